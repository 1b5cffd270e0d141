import Foundation
import LabPipeline

/// HAMi-core's witness for one throughput run: what its level-3 log says about the core limit the
/// run actually had (``HAMiCoreLog/LimiterLog``), and whether the run's cache file was one other
/// commands of the bundle also used. HAMi-core writes `CUDA_DEVICE_SM_LIMIT` into the shared region
/// only when the cache file is created and later processes keep that value (logged only as an
/// `SM limit inconsistency` at level 3), so a reused cache is a setup defect whenever the log does
/// not show the limit the run asked for.
enum HAMiCoreWitness {
  static let freshCacheFix =
    "give every probe run a fresh CUDA_DEVICE_MEMORY_SHARED_CACHE file, removed before and after (the current "
    + "lab does), and run HAMi-core at LIBCUDA_LOG_LEVEL=3 so it logs the limit it read"

  /// The witness of a run configured with `limit` (nil: no core limit) whose cache file was
  /// `cache`; `reusedBy` are the other commands of the bundle that named the same cache file.
  static func of(
    _ log: HAMiCoreLog.LimiterLog, limit: Int?, cache: String?, reusedBy: [String]
  ) -> SetupWitness {
    let cacheName = cache.map { "`\($0)`" } ?? "its cache file"
    let reuse: SetupWitness? =
      reusedBy.isEmpty
      ? nil
      : .contradicts(
        defect:
          "reused cache file \(cacheName) (also named by commands in \(reusedBy.joined(separator: ", "))): HAMi-core "
          + "keeps the core limit of the process that created a cache file, and no level-3 log shows the limit this "
          + "run had",
        fix: freshCacheFix)
    guard let limit else {
      if let read = log.coreLimits.first(where: { (1...99).contains($0) }) {
        return .contradicts(
          defect:
            "the unlimited baseline ran with core limit \(read) (`core utilization limit = \(read)`), read from "
            + "\(cacheName)",
          fix: freshCacheFix)
      }
      if let read = log.coreLimits.first {
        return .confirms(said: "`core utilization limit = \(read)` (no limit)")
      }
      if let reuse { return reuse }
      return log.present
        ? .confirms(said: "HAMi-core loaded with no CUDA_DEVICE_SM_LIMIT")
        : .missing(what: "no HAMi-core line in its output")
    }
    if let mismatch = log.smLimitInconsistencies.first(where: { $0.effective != limit }) {
      return .contradicts(
        defect:
          "HAMi-core read core limit \(mismatch.effective), not the configured \(limit), from \(cacheName) "
          + "(`SM limit inconsistency detected for 0th device, \(mismatch.expected) expected, get \(mismatch.effective)`"
          + "): an earlier process created that cache file",
        fix: freshCacheFix)
    }
    if let read = log.coreLimits.first(where: { $0 != limit }) {
      return .contradicts(
        defect:
          "HAMi-core read core limit \(read) (`core utilization limit = \(read)`), not the configured \(limit)",
        fix: freshCacheFix)
    }
    guard log.coreLimits.contains(limit) else {
      if let reuse { return reuse }
      return .missing(
        what:
          "no `core utilization limit = \(limit)` line from HAMi-core (its log at LIBCUDA_LOG_LEVEL=3 was not "
          + "captured)")
    }
    let pidFix =
      "run the tenant where HAMi-core finds its host pid through NVML (nvidia-smi must list the process: on the "
      + "host, or in a container with the host's PID namespace)"
    if let failure = log.hostPidFailure {
      return .contradicts(defect: "the limiter never engaged: `\(failure)`", fix: pidFix)
    }
    guard !log.utilSwitches.isEmpty else {
      return .contradicts(
        defect:
          "the limiter never engaged: no `util_switch=` line (HAMi-core's watcher logs it once it found the "
          + "host pid)",
        fix: pidFix)
    }
    guard log.utilSwitches.contains(1) else {
      return .contradicts(
        defect: "HAMi-core's utilization switch was off (`util_switch=0`): the limiter did not throttle",
        fix: "set GPU_CORE_UTILIZATION_POLICY=force (the lab's core_policy)")
    }
    let watched = log.watcher.filter { $0.limit == limit }.count
    return .confirms(
      said: "`core utilization limit = \(limit)`, `util_switch=1`"
        + (watched > 0 ? ", \(watched) watcher lines with limit=\(limit)" : ""))
  }

  /// The cache file a command gave HAMi-core (`CUDA_DEVICE_MEMORY_SHARED_CACHE=…`).
  static func cache(in command: String) -> String? {
    command.firstMatch(of: #/CUDA_DEVICE_MEMORY_SHARED_CACHE=([^\s;'"]+)/#).map { String($0.output.1) }
  }

  /// The artifacts of `bundle` with a command other than `command` that names `cache`.
  static func otherArtifacts(naming cache: String?, besides command: String, in bundle: EvidenceBundle)
    -> [String]
  {
    guard let cache else { return [] }
    return bundle.artifactNames.filter { name in
      (bundle.artifact(name)?.sections ?? []).contains { section in
        guard let other = section.command, other != command else { return false }
        return Self.cache(in: other) == cache
      }
    }
  }
}
