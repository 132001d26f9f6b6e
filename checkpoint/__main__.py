from checkpoint.cli import main

raise SystemExit(main())
