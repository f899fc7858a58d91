from shoring.cli.entry import main

main()
