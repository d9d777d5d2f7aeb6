/// `discovery.json`, the identity of a discovery folder: what a rerun in the same folder must match to resume it
/// (written and checked through EcdPde.Runs.FolderIdentity; a different one is refused with the differences named).
module Pde.Discovery.DiscoveryFolderFile

/// The format tag of discovery.json.
let format = "ecdpde-discovery/1"

/// The file name.
let name = "discovery.json"

/// discovery.json: what a rerun in the same folder must match to resume it (problem, parameters, every search
/// setting, the engine's thread count, which changes the sums, and the starting point θ₀).
type DiscoveryFolder =
    {
        Format: string
        Problem: SolutionsFile.ProblemRecord
        Settings: SolutionsFile.SearchSettings
        /// Cores used (the engine's sums depend on how they are split).
        Threads: int
        /// SHA-256 of θ₀ (the network, its initialization and the seed).
        Start: string
        /// The collocation settings.
        Points: string
    }
