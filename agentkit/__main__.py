from agentkit.cli.app import main

main()
