"""Words of the report in Vietnamese and English (reason names come from the export's columns)."""

from __future__ import annotations

from checkpoint.export.columns import DIRECTION_NAMES, REASONS

LABELS = {
    "vi": {
        "title": "Báo cáo trạm kiểm soát",
        "station": "Trạm",
        "period": "Thời gian",
        "generated": "Lập lúc",
        "total": "Tổng số lượt",
        "accepted": "Cho qua",
        "rejected": "Từ chối",
        "checks": "Cho qua, cần kiểm tra lại",
        "duplicates": "Mã dùng lại (trùng lặp)",
        "manual": "Nhập tay",
        "clock_suspect": "Đồng hồ nghi sai",
        "per_hour": "Số lượt theo giờ",
        "per_day": "Số lượt theo ngày",
        "reasons": "Lý do từ chối",
        "officers": "Theo cán bộ",
        "officer": "Cán bộ",
        "directions": "Theo chiều",
        "categories": "Theo đối tượng",
        "sync": "Đồng bộ với máy chủ",
        "synced": "Đã gửi đến lượt số",
        "unsynced": "Chưa gửi",
        "last_sync": "Lần đồng bộ gần nhất",
        "none": "Không có lượt qua nào trong thời gian này.",
        "no_officer": "(không ghi)",
        "all": "toàn bộ nhật ký",
        "seq": "Lượt số",
        "hour": "Giờ",
        "day": "Ngày",
        "count": "Số lượt",
        "sync_unknown": "không rõ",
        "manual_short": "Nhập tay",
        "dup_short": "Trùng",
    },
    "en": {
        "title": "Checkpoint report",
        "station": "Station",
        "period": "Period",
        "generated": "Generated",
        "total": "Crossings",
        "accepted": "Accepted",
        "rejected": "Rejected",
        "checks": "Accepted, shown as CHECK",
        "duplicates": "Duplicates (pass seen again)",
        "manual": "Manual entries",
        "clock_suspect": "Clock suspect",
        "per_hour": "Crossings per hour",
        "per_day": "Crossings per day",
        "reasons": "Reject reasons",
        "officers": "Per officer",
        "officer": "Officer",
        "directions": "By direction",
        "categories": "By category",
        "sync": "Sync with the central server",
        "synced": "Sent up to crossing",
        "unsynced": "Not yet sent",
        "last_sync": "Last sync",
        "none": "No crossings in this period.",
        "no_officer": "(none)",
        "all": "the whole log",
        "seq": "Crossing",
        "hour": "Hour",
        "day": "Day",
        "count": "Count",
        "sync_unknown": "unknown",
        "manual_short": "Manual",
        "dup_short": "Dup.",
    },
}


def reason_name(code: str, language: str) -> str:
    return REASONS[language].get(code, code)


def direction_name(code: str, language: str) -> str:
    return DIRECTION_NAMES[language].get(code, code)
