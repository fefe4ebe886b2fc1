import sys

from mentorsim.cli.main import main

sys.exit(main())
