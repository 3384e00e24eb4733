--- The answers of arama's server commands (`workspace/executeCommand`), as LuaCATS types for
--- lua-language-server: the command contract of docs/contract.md, key for key what the server
--- writes (`WIRE_KEYS` in server/arama/contract.py; tests/clients/test_contract_keys.py checks
--- these annotations against it). Every field is always present unless marked optional. JSON
--- `null` arrives as nil (Neovim's LSP client decodes with `luanil`).
---
--- Annotations only: requiring this module returns an empty table.

---@class arama.Position
---@field line integer 0-based
---@field character integer in the client's position encoding

---@class arama.Range
---@field start arama.Position
---@field end arama.Position

--- `arama.search`.
---@class arama.SearchAnswer
---@field results arama.SearchResult[]
---@field total integer results in all pages
---@field tookMs number
---@field indexing boolean the index is still being built: results may be missing
---@field cached boolean answered from memory
---@field partial boolean the time budget ran out: ranked from the channels that finished

--- One hit of `arama.search`, also an item of `arama.context`'s `related`.
---@class arama.SearchResult
---@field uri string
---@field path string relative to its workspace folder
---@field range arama.Range
---@field snippet string
---@field score number higher is better
---@field symbol string|nil
---@field symbolKind integer|nil LSP SymbolKind
---@field language string
---@field lastModified string ISO 8601
---@field size integer bytes
---@field similar integer near-identical definitions folded into this one (contract v2)

--- `arama.context`.
---@class arama.ContextAnswer
---@field focus arama.Focus|nil
---@field related arama.SearchResult[]
---@field tookMs number

--- The chunk at the position `arama.context` was asked about.
---@class arama.Focus
---@field uri string
---@field path string
---@field range arama.Range
---@field symbol string|nil
---@field snippet string

--- `arama.status`.
---@class arama.Status
---@field state 'starting'|'indexing'|'ready'
---@field files integer
---@field chunks integer
---@field pendingFiles integer
---@field pendingChunks integer
---@field embeddedChunks integer
---@field pendingNames integer definition names still waiting for their vector
---@field model string
---@field cache arama.StatusCache
---@field workspaceFolders string[]
---@field skippedFiles table<string, integer> files left out, counted by reason
---@field recovered string[] what the server repaired or fell back from
---@field updates arama.StatusUpdates
---@field error? string only when the cache directory is unusable: every other command fails
---@field remoteCache? arama.StatusRemoteCache only when a team-shared cache is configured
---@field tunedFolders string[] folders whose searches use the tuning `arama tune` kept for them

--- The embedding cache in `arama.status`.
---@class arama.StatusCache
---@field path string
---@field entries integer
---@field hits integer
---@field misses integer

--- The team-shared embedding cache in `arama.status`.
---@class arama.StatusRemoteCache
---@field url string without its password
---@field mode "read"|"read-write"
---@field state "ok"|"backing-off"|"disabled"
---@field reason string|nil why it is not ok, or why writes are refused
---@field cluster boolean|nil nil until the first connection
---@field hits integer
---@field misses integer
---@field writes integer
---@field errors integer
---@field rejected integer
---@field verified integer
---@field latencyMs number

-- Index updates since the server started, in `arama.status`.
---@class arama.StatusUpdates
---@field batches integer
---@field paths integer

--- `arama.stats`.
---@class arama.Stats
---@field files integer
---@field totalBytes integer
---@field avgBytes number
---@field recentFiles7d integer
---@field languages arama.StatsLanguage[]
---@field popularQueries arama.StatsQuery[]

---@class arama.StatsLanguage
---@field language string
---@field files integer

---@class arama.StatsQuery
---@field query string
---@field count integer

--- `arama.reindex`.
---@class arama.ReindexAnswer
---@field queued integer files queued for indexing

--- `arama.tune`: base vs tuned hybrid MRR@10 on one set of queries (paired).
---@class arama.TuneComparison
---@field queries integer
---@field base number
---@field tuned number
---@field gain number
---@field standardError number

--- `arama.tune`: training pairs mined, by kind.
---@class arama.TunePairs
---@field doc integer
---@field name integer

--- `arama.tune`: how the adapter trained.
---@class arama.TuneTraining
---@field pairs integer
---@field trainedOn integer
---@field checkedOn integer
---@field epochs integer
---@field bestEpoch integer
---@field checkLossBase number
---@field checkLossTuned number
---@field seconds number

--- `arama.tune`: the run's numbers and verdict (kept only if the user's questions improved).
---@class arama.TuneAnswer
---@field folder string
---@field model string
---@field kept boolean
---@field reason string message key of the verdict
---@field message string the verdict in the client's language
---@field heldOut arama.TuneComparison
---@field questions arama.TuneComparison|nil
---@field semantic arama.TuneComparison
---@field pairs arama.TunePairs
---@field embeddedPairs integer
---@field training arama.TuneTraining
---@field seconds number
---@field at string

--- `arama.tune` with `reset = true`.
---@class arama.TuneResetAnswer
---@field folder string
---@field reset boolean whether there was a tuning to forget

return {}
