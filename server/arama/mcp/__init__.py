"""arama for coding agents: a Model Context Protocol server on the same engine.

server    the SDK's low-level server on stdio: tools listed, calls run on a worker thread,
          the engine made after the handshake and closed when stdin closes
tools     the four tools (search, related, symbols, status): JSON schemas, arguments read by
          the command contract's validation, what each asks the engine
answers   answers sized for a model: a line per hit, bounded snippets, a character budget,
          "N more", and the same data as structuredContent
places    an agent's paths -> files inside the folders only; the safe read of context lines
clients   `--print-config`: the snippet each common MCP client reads
command   the `arama mcp` subcommand (cli.py registers it)
"""
