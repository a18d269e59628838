from redun_tui.cli import main

main()
