from dse.cli.main import main

raise SystemExit(main())
