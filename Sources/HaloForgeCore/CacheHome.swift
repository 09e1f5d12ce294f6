public import Foundation

/// halo-forge's own folder for what it makes once and keeps: the worker's environment, the
/// models, the wine template, the verifier's build cache. $HALO_FORGE_HOME, else
/// $XDG_CACHE_HOME/halo-forge, else ~/.cache/halo-forge.
public enum CacheHome {
    public static var folder: String {
        let env = ProcessInfo.processInfo.environment
        if let home = env["HALO_FORGE_HOME"], !home.isEmpty { return home }
        return (env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache") + "/halo-forge"
    }
}
