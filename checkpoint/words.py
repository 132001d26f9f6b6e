"""The station's words, in Vietnamese and English: one catalogue for the app, the command line, exports and
the report (and a web console later).

The station's ``[station] language`` picks the catalogue. ``tests/test_words.py`` checks both catalogues
have the same keys, no empty value and the same ``{placeholders}``, and that every reason, rule, finding
(:class:`checkpoint.decision.Why`, whose placeholders are its parameters), flag, category, log error and
figure has its words, so a string can never be missing in one language.

Keys by family: ``verdict.*`` (the big word), ``result.*`` (the same three outcomes as a figure or a cell:
one word per outcome everywhere), ``reason.*`` / ``rule.*`` (codes a crossing records), ``why.*`` (a
decision's typed grounds, parameters filled in), ``flag.*`` / ``flag_short.*``, ``category.*``,
``direction.*``, ``logerr.*``, ``column.*`` (export headers), ``report.*``, then the app's screens.
Pure data and formatting: no UI, storage or network import (the core renders its English details here).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from string import Formatter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checkpoint.decision import Grounds

VI: Mapping[str, str] = {
    # verdicts: the big word, then a plain line
    "verdict.ACCEPT": "ĐƯỢC QUA",
    "verdict.REJECT": "TỪ CHỐI",
    "verdict.CHECK": "KIỂM TRA",
    "verdict.READY": "SẴN SÀNG",
    "verdict.ready_hint": "Đưa mã QR vào camera hoặc quét bằng máy quét tay",
    "verdict.working": "Đang kiểm tra…",
    "verdict.check_id": "Đối chiếu với CCCD/CMND:",
    "verdict.unevaluated": "Trạm không đánh giá được mã này: KHÔNG cho qua, báo chỉ huy",
    # reasons (checkpoint.decision.Reason)
    "reason.UNKNOWN_FORMAT": "Không phải mã thẻ thông hành",
    "reason.MALFORMED": "Mã bị hỏng hoặc không đầy đủ",
    "reason.UNKNOWN_KEY": "Không rõ đơn vị cấp: có thể là thẻ giả",
    "reason.BAD_SIGNATURE": "Chữ ký không hợp lệ: thẻ đã bị sửa",
    "reason.KEY_REVOKED": "Khóa của đơn vị cấp đã bị thu hồi",
    "reason.KEY_NOT_ALLOWED": "Đơn vị ký không được phép cấp loại giấy chứng nhận này",
    "reason.VALIDITY_TOO_LONG": "Thời hạn của thẻ dài quá mức cho phép",
    "reason.NOT_YET_VALID": "Thẻ chưa đến ngày hiệu lực",
    "reason.EXPIRED": "Thẻ đã hết hạn",
    "reason.PASS_REVOKED": "Thẻ đã bị thu hồi",
    "reason.RULE_FAILED": "Không đáp ứng quy định của chốt",
    "reason.CANNOT_RECORD": "Không ghi được nhật ký: KHÔNG cho qua, báo chỉ huy",
    # reasons as a table names them (exports, the report, the supervisor screen)
    "reason_short.UNKNOWN_FORMAT": "Không phải mã thông hành",
    "reason_short.MALFORMED": "Mã bị hỏng",
    "reason_short.UNKNOWN_KEY": "Nơi cấp không được tin cậy",
    "reason_short.BAD_SIGNATURE": "Chữ ký không hợp lệ (mã giả)",
    "reason_short.KEY_REVOKED": "Khóa cấp mã đã bị thu hồi",
    "reason_short.KEY_NOT_ALLOWED": "Khóa ký không được phép cho loại giấy này",
    "reason_short.VALIDITY_TOO_LONG": "Thời hạn quá dài",
    "reason_short.NOT_YET_VALID": "Chưa đến hạn hiệu lực",
    "reason_short.EXPIRED": "Hết hạn",
    "reason_short.PASS_REVOKED": "Giấy thông hành đã bị thu hồi",
    "reason_short.RULE_FAILED": "Không đáp ứng quy định",
    "reason_short.CANNOT_RECORD": "Không ghi được nhật ký",
    # the three outcomes, as a figure or an export cell (the same word everywhere)
    "result.ACCEPT": "Được qua",
    "result.REJECT": "Từ chối",
    "result.CHECK": "Kiểm tra",
    # rules (checkpoint.rules, checkpoint.hc_rules; "rule.eu" for the EU's, "eu:<id>" in the log)
    "rule.category": "Đối tượng này không được qua chốt",
    "rule.symptoms": "Khai có triệu chứng: chuyển bàn y tế",
    "rule.positive_test": "Kết quả xét nghiệm không âm tính",
    "rule.test_age": "Thiếu xét nghiệm âm tính còn hạn",
    "rule.hc_attestation": "Không nhận giấy chỉ xác nhận tình trạng",
    "rule.hc_content": "Giấy chứng nhận không có mũi tiêm, xét nghiệm hay khỏi bệnh đọc được",
    "rule.hc_vaccination": "Tiêm chủng chưa đạt quy định của chốt",
    "rule.hc_test": "Xét nghiệm chưa đạt quy định của chốt",
    "rule.hc_recovery": "Giấy khỏi bệnh chưa đạt quy định của chốt",
    "rule.eu": "Không đạt quy tắc EU {rule_id}",
    # a decision's grounds, with their values (checkpoint.decision.Why)
    "why.binary_data": "Mã chứa dữ liệu nhị phân, không phải thẻ",
    "why.too_long": "Mã dài hơn mọi loại thẻ",
    "why.not_a_pass": "Mã này không phải loại thẻ trạm nhận biết",
    "why.damaged": "Thẻ bị hỏng hoặc không phải thẻ thật ({problem})",
    "why.unknown_issuer": "Thẻ do đơn vị cấp mà trạm không tin cậy ký",
    "why.bad_signature": "Chữ ký không hợp lệ: thẻ đã bị sửa hoặc làm giả",
    "why.key_revoked": "Khóa của đơn vị cấp đã bị thu hồi",
    "why.key_revoked_at": "Khóa của đơn vị cấp đã bị thu hồi lúc {revoked_at}",
    "why.key_not_yet_valid": "Thẻ được cấp trước khi khóa ký có hiệu lực",
    "why.key_expired": "Thẻ được cấp sau khi khóa ký hết hạn",
    "why.key_wrong_issuer": "Khóa không được phép ký cho đơn vị cấp '{issuer}'",
    "why.signer_use_unreadable": "Trạm không đọc được phạm vi sử dụng của khóa ký: khóa không được ký gì",
    "why.signer_not_allowed": "Đơn vị ký chỉ được ký giấy {allowed}, không được ký giấy {kind}",
    "why.validity_too_long": "Thẻ có hiệu lực {days} ngày, dài hơn {max_days} ngày cho phép",
    "why.not_yet_valid": "Thẻ chỉ có hiệu lực từ {valid_from}",
    "why.expired": "Thẻ đã hết hạn lúc {expired_at}",
    "why.pass_revoked": "Cơ quan cấp đã thu hồi thẻ này",
    "why.category": "Đối tượng '{category}' không được qua chốt này",
    "why.symptoms": "Khai có triệu chứng: chuyển bàn y tế",
    "why.positive_test": "Kết quả xét nghiệm: '{result}'",
    "why.test_missing": "Cần xét nghiệm âm tính trong vòng {max_hours} giờ; thẻ không có",
    "why.test_in_future": "Thời điểm lấy mẫu xét nghiệm ở tương lai",
    "why.test_too_old": "Xét nghiệm lấy mẫu {hours} giờ trước; tối đa {max_hours} giờ",
    "why.attestation_refused": "Chốt không nhận thẻ chỉ xác nhận tình trạng (không có tiêm chủng, xét nghiệm"
    " hay khỏi bệnh)",
    "why.no_entries": "Giấy chứng nhận không có mũi tiêm, xét nghiệm hay khỏi bệnh mà chốt đọc được",
    "why.kind_not_admitted": "Chốt không nhận giấy {kind}",
    "why.wrong_disease": "Giấy chứng nhận cho bệnh {disease}, không phải {admitted}",
    "why.series_incomplete": "Chưa tiêm đủ: mũi {dose} trên {total}",
    "why.dose_too_recent": "Mũi cuối tiêm {days} ngày trước; cần ít nhất {min_days} ngày",
    "why.dose_too_old": "Mũi cuối tiêm {days} ngày trước; tối đa {max_days} ngày",
    "why.test_not_negative": "Kết quả xét nghiệm không âm tính",
    "why.test_type_not_admitted": "Chốt không nhận loại xét nghiệm {test_type}",
    "why.recovery_too_recent": "Xét nghiệm dương tính đầu tiên {days} ngày trước; cần ít nhất {min_days} ngày",
    "why.recovery_too_old": "Xét nghiệm dương tính đầu tiên {days} ngày trước; tối đa {max_days} ngày",
    "why.eu_rule_failed": "Quy tắc EU {rule_id}: {description}",
    "why.cannot_record": "Không ghi được nhật ký: {error}",
    "why.unevaluated": "Không đánh giá được: {problem}",
    "why.valid_pass": "Thẻ hợp lệ",
    "why.attested": "{attestation}",
    "why.vaccinated": "Tiêm mũi {dose} ({product}) ngày {date}",
    "why.vaccinated_series": "Tiêm mũi {dose}/{total} ({product}) ngày {date}",
    "why.tested": "Xét nghiệm {test_type} âm tính, lấy mẫu {hours} giờ trước",
    "why.recovered": "Đã khỏi bệnh, dương tính lần đầu ngày {first_positive}",
    "why.manual": "Khai báo thủ công do cán bộ nhập",
    "why.manual_symptoms": "Khai có triệu chứng: chuyển bàn y tế",
    # kinds of health certificate (KEY_NOT_ALLOWED, KIND_NOT_ADMITTED)
    "kind.vaccination": "tiêm chủng",
    "kind.test": "xét nghiệm",
    "kind.recovery": "khỏi bệnh",
    "kind.none": "không rõ loại",
    # flags
    "flag.duplicate": "Thẻ này vừa được quét: kiểm tra người và giấy tờ",
    "flag.clock_suspect": "Đồng hồ máy chưa đáng tin: kiểm tra kỹ",
    "flag.manual": "Khai báo thủ công: kiểm tra giấy tờ",
    "flag.lists_stale": "Danh sách tin cậy/thu hồi đã hết hạn (vẫn áp dụng): kiểm tra kỹ, cần đồng bộ",
    "flag.id_implausible": "Số giấy tờ không hợp lệ với loại giấy tờ: đối chiếu kỹ với thẻ",
    "flag.hidden_chars": "Tên có ký tự ẩn: đối chiếu kỹ với giấy tờ",
    # flags in a word (export notes)
    "flag_short.duplicate": "Trùng lặp",
    "flag_short.manual": "Khai thủ công",
    "flag_short.clock_suspect": "Nghi đồng hồ sai",
    "flag_short.lists_stale": "Danh sách hết hạn",
    "flag_short.id_implausible": "Số giấy tờ không hợp lệ",
    "flag_short.hidden_chars": "Có ký tự ẩn",
    # directions (exports, report)
    "direction.in": "Vào",
    "direction.out": "Ra",
    # fields the officer checks against the ID card
    "field.name": "Họ tên",
    "field.birth_date": "Ngày sinh",
    "field.id_number": "Số CCCD/CMND",
    "field.document_id": "Số giấy tờ",
    "field.category": "Đối tượng",
    "field.vehicle": "Biển số xe",
    "field.valid_until": "Hiệu lực đến",
    "field.phone": "Điện thoại",
    "field.origin": "Nơi đi",
    "field.destination": "Nơi đến",
    "field.purpose": "Mục đích",
    "field.birth_year": "Năm sinh",
    "field.symptoms": "Có triệu chứng (sốt, ho, khó thở)",
    # categories (CP1)
    "category.resident": "Người dân",
    "category.worker": "Người lao động",
    "category.freight": "Vận tải hàng hóa",
    "category.official": "Công vụ",
    "category.medical": "Y tế",
    "category.emergency": "Cấp cứu",
    "category.transit": "Quá cảnh",
    "category.manual": "Khai thủ công",
    # export columns (checkpoint.export.columns)
    "column.seq": "Số thứ tự",
    "column.time": "Thời gian",
    "column.station": "Trạm",
    "column.lane": "Làn",
    "column.direction": "Chiều",
    "column.officer": "Cán bộ",
    "column.result": "Kết quả",
    "column.reason": "Lý do",
    "column.category": "Đối tượng",
    "column.format": "Loại mã",
    "column.notes": "Ghi chú",
    "column.crossing_id": "Mã lượt qua",
    "column.name": "Họ và tên",
    "column.id_number": "Số CCCD/CMND",
    "column.birth_date": "Ngày sinh",
    "column.phone": "Số điện thoại",
    "column.vehicle": "Biển số xe",
    "column.origin": "Nơi đi",
    "column.destination": "Nơi đến",
    "column.purpose": "Mục đích",
    "column.document_id": "Số giấy tờ",
    # the report (checkpoint.report); its figures are result.* and the app's
    "report.title": "Báo cáo trạm kiểm soát",
    "report.station": "Trạm",
    "report.period": "Thời gian",
    "report.generated": "Lập lúc",
    "report.total": "Tổng số lượt",
    "figure.duplicates": "Quét trùng",
    "figure.manual": "Khai thủ công",
    "report.clock_suspect": "Đồng hồ nghi sai",
    "report.per_hour": "Số lượt theo giờ",
    "report.per_day": "Số lượt theo ngày",
    "report.reasons": "Lý do từ chối",
    "report.officers": "Theo cán bộ",
    "report.officer": "Cán bộ",
    "report.directions": "Theo chiều",
    "report.categories": "Theo đối tượng",
    "report.sync": "Đồng bộ với máy chủ",
    "report.synced": "Đã gửi đến lượt số",
    "report.unsynced": "Chưa gửi",
    "report.last_sync": "Lần đồng bộ gần nhất",
    "report.none": "Không có lượt qua nào trong thời gian này.",
    "report.no_officer": "(không ghi)",
    "report.all": "toàn bộ nhật ký",
    "report.never_synced": "chưa đồng bộ lần nào",
    "report.manual_short": "Thủ công",
    "report.dup_short": "Trùng",
    # scan screen
    "scan.title": "Quét thẻ thông hành",
    "scan.direction": "Hướng",
    "scan.direction.in": "VÀO",
    "scan.direction.out": "RA",
    "scan.lane": "Làn",
    "scan.officer": "Cán bộ",
    "scan.counters": "Ca trực",
    "scan.count.total": "Tổng",
    "scan.recent": "Lượt gần đây",
    "scan.preview": "Camera",
    "scan.preview_off": "Xem trước camera đang tắt",
    "key.direction": "Đổi hướng",
    "key.lane": "Đổi làn",
    "key.manual": "Khai thủ công",
    "key.supervisor": "Chỉ huy",
    "key.sound": "Âm thanh",
    "key.preview": "Camera",
    "key.sign_out": "Kết thúc ca",
    "key.back": "Quay lại",
    "key.quit": "Thoát",
    "sound.on": "Đã bật âm thanh",
    "sound.off": "Đã tắt âm thanh",
    "wedge.vietnamese_ime": "Bộ gõ tiếng Việt (Unikey/EVKey) đã làm sai mã quét: chuyển bộ gõ sang E (tiếng Anh)"
    " rồi quét lại",
    "wedge.keyboard_layout": "Bàn phím máy không phải kiểu US: đặt bàn phím (hoặc máy quét) về US English rồi quét lại",
    "wedge.caps_lock": "Chữ bị thành chữ thường: tắt Caps Lock rồi quét lại",
    "shc.part": "Thẻ SMART nhiều mã: đã quét {have}/{total} mã, quét tiếp mã số {missing}",
    "wedge.control_chars": "Máy quét gửi thêm phím điều khiển (Tab, Esc): bỏ tiền tố/hậu tố trong cài đặt máy quét",
    "wedge.outside_alphabet": "Mã quét có ký tự lạ: quét lại",
    "wedge.truncated": "Mã quét quá dài, đã bị cắt: quét lại",
    "status.camera": "Camera",
    "status.camera.starting": "đang mở",
    "status.camera.running": "{fps} khung/giây",
    "status.camera.stopped": "đã dừng",
    "status.camera.failed": "LỖI: {error}",
    "status.camera.none": "không dùng",
    "status.decoder": "Giải mã",
    "status.trust": "Danh sách tin cậy",
    "status.trust.age": "{hours} giờ trước",
    "status.trust.stale": "CŨ ({hours} giờ): cần đồng bộ",
    "status.trust.missing": "CHƯA CÓ",
    "status.revocations": "Thu hồi",
    "status.lists": "Danh sách",
    "status.lists.trust": "tin cậy",
    "status.lists.revocations": "thu hồi",
    "status.lists.age": "{hours} giờ",
    "status.lists.stale": "CŨ {hours} giờ",
    "status.lists.expired": "HẾT HẠN {hours} giờ",
    "status.lists.missing": "CHƯA CÓ",
    "status.clock": "Đồng hồ",
    "status.clock.ok": "tốt",
    "status.clock.suspect": "SAI: kiểm tra ngày giờ máy",
    "status.log": "Nhật ký",
    "status.log.ok": "tốt",
    "logerr.disk_full": "Ổ đĩa đầy",
    "logerr.read_only": "Thẻ nhớ chỉ đọc hoặc hỏng",
    "logerr.locked": "Nhật ký đang bị chương trình khác giữ",
    "logerr.corrupt": "Tệp nhật ký bị hỏng",
    "logerr.tampered": "Nhật ký đã bị sửa: giữ nguyên tệp để điều tra",
    "logerr.replaced": "Nhật ký đã bị thay thế hoặc bị cắt bớt: báo chỉ huy",
    "logerr.io": "Lỗi thiết bị lưu trữ",
    "logerr.wrong_station": "Nhật ký thuộc trạm khác",
    "logerr.too_new": "Nhật ký do phiên bản mới hơn ghi",
    "logerr.invalid": "Dữ liệu nhập không hợp lệ",
    "logerr.missing": "Không tìm thấy nhật ký",
    "logerr.closed": "Nhật ký đã đóng: khởi động lại trạm",
    "logerr.internal": "Lỗi nội bộ khi ghi nhật ký: báo chỉ huy",
    "status.log.failed": "LỖI",
    "status.sync": "Đồng bộ",
    "status.sync.none": "chưa cấu hình",
    "status.sync.queue": "chờ {count}",
    "status.sync.starting": "đang kết nối",
    "status.sync.syncing": "đang gửi",
    "status.sync.synced": "đã gửi hết",
    "status.sync.offline": "mất kết nối",
    "status.sync.refused": "MÁY CHỦ TỪ CHỐI: báo chỉ huy",
    "status.sync.error": "LỖI",
    "status.network": "Mạng",
    "status.online": "trực tuyến",
    "status.offline": "ngoại tuyến",
    # sign in
    "signin.title": "Đăng nhập ca trực",
    "signin.subtitle": "Nhập mã cán bộ và mã PIN",
    "signin.officer_id": "Mã cán bộ",
    "signin.pin": "Mã PIN",
    "signin.submit": "Đăng nhập",
    "signin.failed": "Sai mã cán bộ hoặc mã PIN (còn {left} lần thử)",
    "signin.locked": "Tài khoản bị khóa đến {until} do nhập sai nhiều lần",
    "signin.not_supervisor": "Tài khoản này không phải chỉ huy",
    "signin.no_officers": "Chưa có cán bộ nào. Chạy: checkpoint officers add --id MÃ --name TÊN --supervisor",
    "signin.supervisor_title": "Chỉ huy đăng nhập",
    "signin.cancel": "Hủy",
    # manual entry
    "manual.title": "Khai báo y tế thủ công",
    "manual.subtitle": "Cho người không có điện thoại: cán bộ khai thay",
    "manual.save": "Ghi nhận",
    "manual.cancel": "Hủy",
    "manual.required": "Cần điền: {fields}",
    "manual.bad_year": "Năm sinh phải là 4 chữ số từ 1900 đến nay",
    "manual.bad_id": "Số giấy tờ chỉ gồm 9 đến 12 chữ số",
    # supervisor
    "sup.title": "Màn hình chỉ huy",
    "sup.today": "Hôm nay",
    "sup.per_hour": "Lượt qua theo giờ",
    "sup.by_reason": "Từ chối theo lý do",
    "sup.export": "Xuất nhật ký hôm nay (CSV)",
    "sup.export_done": "Đã xuất {rows} lượt vào {path}",
    "sup.export_failed": "Không xuất được: {error}",
    "sup.exporting": "Đang xuất… {done} lượt",
    "sup.trust": "Danh sách tin cậy và thu hồi",
    "sup.trust_line": "Tin cậy: bản {version}, phát hành {issued}, {keys} khóa",
    "sup.revocation_line": "Thu hồi: bản {version}, phát hành {issued}, {count} thẻ",
    "sup.no_list": "chưa có",
    "sup.expired": "HẾT HẠN từ {expires}: vẫn áp dụng (mọi kết quả hiện KIỂM TRA), cần đồng bộ",
    "sup.clock_line": "Đồng hồ máy {system}; mốc giờ tin cậy {mark}",
    "sup.clock_suspect": "Đồng hồ máy chậm hơn mốc giờ tin cậy: kiểm tra ngày giờ máy",
    "sup.clock_reset": "Đặt lại mốc giờ",
    "sup.clock_confirm": "Đặt mốc giờ tin cậy về giờ máy {system}? Bấm lần nữa để xác nhận",
    "sup.clock_done": "Đã đặt lại mốc giờ: {old} → {new} (đã ghi nhật ký)",
    "sup.clock_failed": "Không đặt lại được mốc giờ: {error}",
    "sup.sync_now": "Đồng bộ ngay",
    "sup.sync_unavailable": "Chưa cấu hình đồng bộ cho trạm này",
    "sup.sync_started": "Đang đồng bộ…",
    "sup.sync_retry": "Chưa kết nối được; thử lại sau {seconds} giây",
    "sup.officers": "Quản lý cán bộ",
    "sup.close": "Đóng",
    "sup.station_key": "Vân tay khóa ký của trạm (để kiểm tra tệp xuất): {fingerprint}",
    # officers screen
    "off.title": "Cán bộ",
    "off.id": "Mã",
    "off.name": "Tên",
    "off.role": "Vai trò",
    "off.status": "Trạng thái",
    "off.role.officer": "cán bộ",
    "off.role.supervisor": "chỉ huy",
    "off.active": "hoạt động",
    "off.locked": "bị khóa",
    "off.unlock": "Mở khóa",
    "off.add": "Thêm cán bộ",
    "off.new_pin": "PIN mới (ít nhất {min} chữ số)",
    "off.added": "Đã thêm cán bộ {id}",
    "off.unlocked": "Đã mở khóa {id}",
    "off.error": "Lỗi: {error}",
}

EN: Mapping[str, str] = {
    "verdict.ACCEPT": "ACCEPT",
    "verdict.REJECT": "REJECT",
    "verdict.CHECK": "CHECK",
    "verdict.READY": "READY",
    "verdict.ready_hint": "Hold the QR code to the camera or scan it with the handheld scanner",
    "verdict.working": "Checking…",
    "verdict.check_id": "Check against the ID card:",
    "verdict.unevaluated": "The station could not evaluate this code: do NOT admit, call the supervisor",
    "reason.UNKNOWN_FORMAT": "Not a pass code",
    "reason.MALFORMED": "The code is damaged or incomplete",
    "reason.UNKNOWN_KEY": "Unknown issuer: the pass may be forged",
    "reason.BAD_SIGNATURE": "Signature does not match: the pass was altered",
    "reason.KEY_REVOKED": "The issuer's key has been revoked",
    "reason.KEY_NOT_ALLOWED": "The signer is not allowed to sign this type of certificate",
    "reason.VALIDITY_TOO_LONG": "The pass is valid for longer than a pass may be",
    "reason.NOT_YET_VALID": "The pass is not valid yet",
    "reason.EXPIRED": "The pass has expired",
    "reason.PASS_REVOKED": "The pass has been revoked",
    "reason.RULE_FAILED": "Does not meet this checkpoint's rules",
    "reason.CANNOT_RECORD": "Cannot record the crossing: do NOT admit, call the supervisor",
    "rule.category": "This category is not admitted here",
    "rule.symptoms": "Symptoms declared: send to the medical desk",
    "rule.positive_test": "Test result is not negative",
    "reason_short.UNKNOWN_FORMAT": "Not a pass",
    "reason_short.MALFORMED": "Damaged code",
    "reason_short.UNKNOWN_KEY": "Issuer not trusted",
    "reason_short.BAD_SIGNATURE": "Invalid signature (forged)",
    "reason_short.KEY_REVOKED": "Issuer key revoked",
    "reason_short.KEY_NOT_ALLOWED": "Signer not allowed for this certificate type",
    "reason_short.VALIDITY_TOO_LONG": "Valid for too long",
    "reason_short.NOT_YET_VALID": "Not yet valid",
    "reason_short.EXPIRED": "Expired",
    "reason_short.PASS_REVOKED": "Pass revoked",
    "reason_short.RULE_FAILED": "Fails a checkpoint rule",
    "reason_short.CANNOT_RECORD": "Could not be recorded",
    "result.ACCEPT": "Accepted",
    "result.REJECT": "Rejected",
    "result.CHECK": "Check",
    "rule.test_age": "No valid negative test",
    "rule.hc_attestation": "Status-only passes are not admitted",
    "rule.hc_content": "The certificate holds no vaccination, test or recovery that can be read",
    "rule.hc_vaccination": "Vaccination does not meet this checkpoint's rules",
    "rule.hc_test": "Test does not meet this checkpoint's rules",
    "rule.hc_recovery": "Recovery does not meet this checkpoint's rules",
    "rule.eu": "Fails EU rule {rule_id}",
    "why.binary_data": "the code holds binary data, not a pass",
    "why.too_long": "the code is far longer than any pass",
    "why.not_a_pass": "this code is not a pass this station knows",
    "why.damaged": "the pass is damaged or not genuine ({problem})",
    "why.unknown_issuer": "the pass was signed by an issuer this station does not trust",
    "why.bad_signature": "the signature is not valid: the pass was altered or forged",
    "why.key_revoked": "the issuer key was revoked",
    "why.key_revoked_at": "the issuer key was revoked at {revoked_at}",
    "why.key_not_yet_valid": "the pass was issued before its key became valid",
    "why.key_expired": "the pass was issued after its key expired",
    "why.key_wrong_issuer": "the key is not authorised for issuer '{issuer}'",
    "why.signer_use_unreadable": "the signer's certificate has a key usage this station cannot read, so it may"
    " sign nothing",
    "why.signer_not_allowed": "the signer may sign only {allowed} certificates, not a {kind} certificate",
    "why.validity_too_long": "the pass is valid for {days} days, longer than the {max_days} days a pass may be",
    "why.not_yet_valid": "the pass is valid only from {valid_from}",
    "why.expired": "the pass expired at {expired_at}",
    "why.pass_revoked": "the authority has revoked this pass",
    "why.category": "category '{category}' is not admitted at this checkpoint",
    "why.symptoms": "symptoms declared: send to the medical desk",
    "why.positive_test": "test result is '{result}'",
    "why.test_missing": "a negative test no older than {max_hours} h is required; the pass has none",
    "why.test_in_future": "the test sample time is in the future",
    "why.test_too_old": "test taken {hours} h ago; at most {max_hours} h is admitted",
    "why.attestation_refused": "passes that only attest status (no vaccination, test or recovery) are not"
    " admitted here",
    "why.no_entries": "the certificate holds no vaccination, test or recovery this checkpoint can read",
    "why.kind_not_admitted": "{kind} certificates are not admitted at this checkpoint",
    "why.wrong_disease": "the certificate is for disease {disease}, not {admitted}",
    "why.series_incomplete": "vaccination is not complete: dose {dose} of {total}",
    "why.dose_too_recent": "last dose {days} days ago; at least {min_days} days are required",
    "why.dose_too_old": "last dose {days} days ago; at most {max_days} days are admitted",
    "why.test_not_negative": "the test result is not negative",
    "why.test_type_not_admitted": "test type {test_type} is not admitted at this checkpoint",
    "why.recovery_too_recent": "first positive test {days} days ago; at least {min_days} days are required",
    "why.recovery_too_old": "first positive test {days} days ago; at most {max_days} days are admitted",
    "why.eu_rule_failed": "EU rule {rule_id}: {description}",
    "why.cannot_record": "cannot record: {error}",
    "why.unevaluated": "could not evaluate: {problem}",
    "why.valid_pass": "valid pass",
    "why.attested": "{attestation}",
    "why.vaccinated": "vaccination dose {dose} ({product}) on {date}",
    "why.vaccinated_series": "vaccination dose {dose}/{total} ({product}) on {date}",
    "why.tested": "negative {test_type} test sampled {hours} h ago",
    "why.recovered": "recovery, first positive test {first_positive}",
    "why.manual": "Manual entry by the officer",
    "why.manual_symptoms": "Symptoms declared: send to the medical desk",
    "kind.vaccination": "vaccination",
    "kind.test": "test",
    "kind.recovery": "recovery",
    "kind.none": "unknown kind",
    "flag.duplicate": "This pass was just scanned: check the person and documents",
    "flag.clock_suspect": "Station clock cannot be trusted: check carefully",
    "flag.manual": "Manual entry: check the documents",
    "flag.lists_stale": "Trust/revocation lists are out of date (still applied): check carefully, sync needed",
    "flag.id_implausible": "The ID number cannot be right for its document: check it against the card",
    "flag.hidden_chars": "This name contains hidden characters: check the documents carefully",
    "flag_short.duplicate": "Duplicate",
    "flag_short.manual": "Manual entry",
    "flag_short.clock_suspect": "Clock suspect",
    "flag_short.lists_stale": "Lists out of date",
    "flag_short.id_implausible": "Implausible id number",
    "flag_short.hidden_chars": "Hidden characters",
    "direction.in": "In",
    "direction.out": "Out",
    "field.name": "Full name",
    "field.birth_date": "Birth date",
    "field.id_number": "ID number",
    "field.document_id": "Document no.",
    "field.category": "Category",
    "field.vehicle": "Vehicle plate",
    "field.valid_until": "Valid until",
    "field.phone": "Phone",
    "field.origin": "From",
    "field.destination": "To",
    "field.purpose": "Purpose",
    "field.birth_year": "Birth year",
    "field.symptoms": "Has symptoms (fever, cough, short of breath)",
    "category.resident": "Resident",
    "category.worker": "Worker",
    "category.freight": "Freight",
    "category.official": "Official",
    "category.medical": "Medical",
    "category.emergency": "Emergency",
    "category.transit": "Transit",
    "category.manual": "Manual entry",
    "column.seq": "Seq",
    "column.time": "Time",
    "column.station": "Station",
    "column.lane": "Lane",
    "column.direction": "Direction",
    "column.officer": "Officer",
    "column.result": "Result",
    "column.reason": "Reason",
    "column.category": "Category",
    "column.format": "Pass format",
    "column.notes": "Notes",
    "column.crossing_id": "Crossing ID",
    "column.name": "Name",
    "column.id_number": "ID number",
    "column.birth_date": "Birth date",
    "column.phone": "Phone",
    "column.vehicle": "Vehicle",
    "column.origin": "From",
    "column.destination": "To",
    "column.purpose": "Purpose",
    "column.document_id": "Document no.",
    "report.title": "Checkpoint report",
    "report.station": "Station",
    "report.period": "Period",
    "report.generated": "Generated",
    "report.total": "Crossings",
    "figure.duplicates": "Duplicates",
    "figure.manual": "Manual entries",
    "report.clock_suspect": "Clock suspect",
    "report.per_hour": "Crossings per hour",
    "report.per_day": "Crossings per day",
    "report.reasons": "Reject reasons",
    "report.officers": "Per officer",
    "report.officer": "Officer",
    "report.directions": "By direction",
    "report.categories": "By category",
    "report.sync": "Sync with the central server",
    "report.synced": "Sent up to crossing",
    "report.unsynced": "Not yet sent",
    "report.last_sync": "Last sync",
    "report.none": "No crossings in this period.",
    "report.no_officer": "(none)",
    "report.all": "the whole log",
    "report.never_synced": "never",
    "report.manual_short": "Manual",
    "report.dup_short": "Dup.",
    "scan.title": "Scan passes",
    "scan.direction": "Direction",
    "scan.direction.in": "IN",
    "scan.direction.out": "OUT",
    "scan.lane": "Lane",
    "scan.officer": "Officer",
    "scan.counters": "This shift",
    "scan.count.total": "Total",
    "scan.recent": "Recent crossings",
    "scan.preview": "Camera",
    "scan.preview_off": "Camera preview is off",
    "key.direction": "Direction",
    "key.lane": "Lane",
    "key.manual": "Manual entry",
    "key.supervisor": "Supervisor",
    "key.sound": "Sound",
    "key.preview": "Preview",
    "key.sign_out": "End shift",
    "key.back": "Back",
    "key.quit": "Quit",
    "sound.on": "Sound on",
    "sound.off": "Sound off",
    "wedge.vietnamese_ime": "A Vietnamese input method (Unikey/EVKey) changed the scan: switch it to E (English)"
    " and scan again",
    "wedge.keyboard_layout": "The keyboard layout is not US English: set the layout (or the scanner) to US and scan"
    " again",
    "wedge.caps_lock": "Letters came in lowercase: turn Caps Lock off and scan again",
    "shc.part": "Multi-part SMART card: {have} of {total} codes read; scan code {missing} next",
    "wedge.control_chars": "The scanner sends extra keys (Tab, Esc): remove its prefix/suffix in its settings",
    "wedge.outside_alphabet": "The scan has unexpected characters: scan again",
    "wedge.truncated": "The scan was too long and was cut off: scan again",
    "status.camera": "Camera",
    "status.camera.starting": "starting",
    "status.camera.running": "{fps} fps",
    "status.camera.stopped": "stopped",
    "status.camera.failed": "FAILED: {error}",
    "status.camera.none": "not used",
    "status.decoder": "Decoder",
    "status.trust": "Trust list",
    "status.trust.age": "{hours} h old",
    "status.trust.stale": "STALE ({hours} h): sync needed",
    "status.trust.missing": "MISSING",
    "status.revocations": "Revocations",
    "status.lists": "Lists",
    "status.lists.trust": "trust",
    "status.lists.revocations": "revocations",
    "status.lists.age": "{hours} h",
    "status.lists.stale": "STALE {hours} h",
    "status.lists.expired": "EXPIRED {hours} h",
    "status.lists.missing": "MISSING",
    "status.clock": "Clock",
    "status.clock.ok": "ok",
    "status.clock.suspect": "WRONG: check the date and time",
    "status.log": "Log",
    "status.log.ok": "ok",
    "logerr.disk_full": "Disk full",
    "logerr.read_only": "Storage is read-only or failing",
    "logerr.locked": "Another program holds the log",
    "logerr.corrupt": "The log file is damaged",
    "logerr.tampered": "The log was altered: keep the file for investigation",
    "logerr.replaced": "The crossing log was replaced or cut back: call the supervisor",
    "logerr.io": "Storage error",
    "logerr.wrong_station": "The log belongs to another station",
    "logerr.too_new": "The log was written by a newer version",
    "logerr.invalid": "Invalid entry",
    "logerr.missing": "No crossing log found",
    "logerr.closed": "The log is closed: restart the station",
    "logerr.internal": "Internal error while recording: call the supervisor",
    "status.log.failed": "FAILED",
    "status.sync": "Sync",
    "status.sync.none": "not configured",
    "status.sync.queue": "{count} queued",
    "status.sync.starting": "connecting",
    "status.sync.syncing": "sending",
    "status.sync.synced": "all sent",
    "status.sync.offline": "no link",
    "status.sync.refused": "SERVER REFUSES: call the supervisor",
    "status.sync.error": "ERROR",
    "status.network": "Network",
    "status.online": "online",
    "status.offline": "offline",
    "signin.title": "Start of shift",
    "signin.subtitle": "Enter your officer id and PIN",
    "signin.officer_id": "Officer id",
    "signin.pin": "PIN",
    "signin.submit": "Sign in",
    "signin.failed": "Wrong officer id or PIN ({left} tries left)",
    "signin.locked": "Locked until {until} after too many wrong PINs",
    "signin.not_supervisor": "This account is not a supervisor",
    "signin.no_officers": "No officers yet. Run: checkpoint officers add --id ID --name NAME --supervisor",
    "signin.supervisor_title": "Supervisor sign-in",
    "signin.cancel": "Cancel",
    "manual.title": "Manual health declaration",
    "manual.subtitle": "For people without a smartphone: the officer fills it in for them",
    "manual.save": "Record",
    "manual.cancel": "Cancel",
    "manual.required": "Please fill in: {fields}",
    "manual.bad_year": "Birth year must be 4 digits, 1900 to this year",
    "manual.bad_id": "ID number must be 9 to 12 digits",
    "sup.title": "Supervisor",
    "sup.today": "Today",
    "sup.per_hour": "Crossings per hour",
    "sup.by_reason": "Rejected by reason",
    "sup.export": "Export today's log (CSV)",
    "sup.export_done": "Exported {rows} crossings to {path}",
    "sup.export_failed": "Export failed: {error}",
    "sup.exporting": "Exporting… {done} crossings",
    "sup.trust": "Trust and revocation lists",
    "sup.trust_line": "Trust list: version {version}, issued {issued}, {keys} keys",
    "sup.revocation_line": "Revocations: version {version}, issued {issued}, {count} passes",
    "sup.no_list": "none",
    "sup.expired": "EXPIRED since {expires}: still applied (every verdict shows CHECK), sync needed",
    "sup.clock_line": "System clock {system}; trusted-time mark {mark}",
    "sup.clock_suspect": "The system clock is behind the trusted-time mark: check the date and time",
    "sup.clock_reset": "Reset clock mark",
    "sup.clock_confirm": "Set the trusted-time mark to the system time {system}? Press again to confirm",
    "sup.clock_done": "Clock mark reset: {old} → {new} (recorded in the log)",
    "sup.clock_failed": "Could not reset the clock mark: {error}",
    "sup.sync_now": "Sync now",
    "sup.sync_unavailable": "Sync is not configured on this station",
    "sup.sync_started": "Syncing…",
    "sup.sync_retry": "No link yet; next attempt in {seconds} s",
    "sup.officers": "Officers",
    "sup.close": "Close",
    "sup.station_key": "Station signing key fingerprint (to check exports): {fingerprint}",
    "off.title": "Officers",
    "off.id": "Id",
    "off.name": "Name",
    "off.role": "Role",
    "off.status": "Status",
    "off.role.officer": "officer",
    "off.role.supervisor": "supervisor",
    "off.active": "active",
    "off.locked": "locked",
    "off.unlock": "Unlock",
    "off.add": "Add officer",
    "off.new_pin": "New PIN (at least {min} digits)",
    "off.added": "Officer {id} added",
    "off.unlocked": "{id} unlocked",
    "off.error": "Error: {error}",
}

CATALOGS: Mapping[str, Mapping[str, str]] = {"vi": VI, "en": EN}


#: Parameters whose values are codes with words of their own (``kind`` -> ``kind.test``); shown translated.
CODED_PARAMS: Mapping[str, str] = {"kind": "kind", "allowed": "kind", "category": "category", "error": "logerr"}


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a catalogue text takes."""
    return {name for _, name, _, _ in Formatter().parse(text) if name}


#: A text parameter (a category or a parser's complaint can come from the pass) is cut to this many characters.
MAX_PARAM = 200


def _value(value: object, language: str) -> str:
    """A parameter as a person reads it: datetimes in UTC (day first in Vietnamese), dates the same; texts
    capped (the display boundary, checkpoint.display, still escapes hidden characters where it is shown)."""
    if isinstance(value, datetime):
        at = value.astimezone(UTC)
        return f"{at:%H:%M %d/%m/%Y} UTC" if language == "vi" else f"{at:%Y-%m-%d %H:%M} UTC"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}" if language == "vi" else value.isoformat()
    text = str(value)
    return text if len(text) <= MAX_PARAM else text[:MAX_PARAM - 1] + "…"


class Texts:
    """The words of one language. ``texts("key", name=...)`` formats; a missing key shows the key itself
    (never a crash in front of the officer; the catalogue test keeps that from happening).

    Beside plain keys: :meth:`why` (a decision's typed grounds, parameters filled in), :meth:`reason` (a
    reason code and the rule that refused, as a crossing records them), :meth:`result` (ACCEPT / REJECT /
    CHECK as a figure or a cell), :meth:`category`, :meth:`direction`, :meth:`flag_short`, :meth:`log_error`.
    """

    def __init__(self, language: str) -> None:
        if language not in CATALOGS:
            raise ValueError(f"unknown language {language!r} (known: {', '.join(CATALOGS)})")
        self.language = language
        self._catalog = CATALOGS[language]

    def __call__(self, key: str, **params: object) -> str:
        text = self._catalog.get(key)
        if text is None:
            return key
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        return key in self._catalog

    def _code(self, family: str, code: str) -> str:
        """The words for a code of a family (``category``, ``kind`` ...), or the code itself when it has none."""
        return self(f"{family}.{code}") if self.has(f"{family}.{code}") else code

    def why(self, grounds: Grounds, *, translate_codes: bool = True) -> str:
        """A decision's grounds in words, its parameters filled in (codes such as a category translated)."""
        values: dict[str, str] = {}
        for name, value in grounds.params:
            family = CODED_PARAMS.get(name) if translate_codes else None
            if family is not None and isinstance(value, str):
                values[name] = _value(", ".join(self._code(family, v) for v in value.split(", ")), self.language)
            else:
                values[name] = _value(value, self.language)
        return self(f"why.{grounds.why.value}", **values)

    def reason(self, reason: str | None, rule: str | None = None, *, short: bool = False) -> str:
        """Plain words for a reject reason (and the rule that refused, for RULE_FAILED; an EU rule by its id).
        ``short``: the reason as a table names it (exports, the report, the supervisor screen)."""
        if rule is not None and rule.startswith("eu:"):
            return self("rule.eu", rule_id=rule[3:])
        if rule is not None and self.has(f"rule.{rule}"):
            return self(f"rule.{rule}")
        words = self._code("reason_short" if short else "reason", reason) if reason else ""
        return f"{words}: {rule}" if rule is not None and words else words  # a rule without words: its name

    def result(self, display: str) -> str:
        """ACCEPT / REJECT / CHECK as a figure's or a cell's word (the same word on every surface)."""
        return self._code("result", display)

    def category(self, code: str | None) -> str:
        if code is None:
            return ""
        return self._code("category", code)

    def direction(self, code: str) -> str:
        return self._code("direction", code)

    def flag_short(self, code: str) -> str:
        return self._code("flag_short", code)

    def log_error(self, code: str) -> str:
        return self._code("logerr", code)


_ENGLISH = Texts("en")


def english(grounds: Grounds) -> str:
    """The grounds as a decision's ``detail``: plain English for tools and logs, codes left as codes."""
    return _ENGLISH.why(grounds, translate_codes=False)
