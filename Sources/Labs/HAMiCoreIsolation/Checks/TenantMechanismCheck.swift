import Foundation
import LabPipeline

/// Exercise 5: PASS iff every tenant's probe saw HAMi-core preloaded (`LD_PRELOAD` naming a
/// libvgpu.so that its own /proc/self/maps shows mapped, and HAMi-core's log lines), with
/// `CUDA_DEVICE_MEMORY_LIMIT` = its slice and a cache file of its own, and the library's SHA-256
/// is recorded. A tenant without the library mapped, with another limit, or sharing a cache file
/// is a FAIL. The page names the HAMi-core commit when the run was given one.
struct TenantMechanismCheck: HAMiCoreCheck {
  static let heading = ExerciseHeading(
    "5", "The mechanism", criteria: "libvgpu.so preloaded into each tenant with its own limit and cache file")

  struct Settings {
    var preload: String?
    var limit: String?
    var cache: String?
    var mapped: String?
    var line: String
  }

  func judge(_ evidence: HAMiCoreEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let tenants = try evidence.requireTenants()
    var caches: [String: String] = [:]
    var libraries: Set<String> = []
    evidence.forEachArtifact(of: tenants, file: HAMiCoreCatalog.tenantAlone, &outcome) {
      tenant, file, artifact, outcome in
      let lines = artifact.outputLines
      guard let settings = Self.settings(in: lines) else {
        outcome.gaps.append("no `probe: pid N, LD_PRELOAD=…` line for tenant \(tenant.name) in \(file)")
        return
      }
      outcome.excerpt.append(settings.line)
      guard let preload = settings.preload, preload.contains("libvgpu") else {
        outcome.failures.append("tenant \(tenant.name) ran without libvgpu.so in LD_PRELOAD")
        return
      }
      if lines.contains(where: { $0.hasPrefix("probe: no libvgpu mapped") }) {
        outcome.failures.append(
          "libvgpu.so was not mapped into tenant \(tenant.name): the preload did not happen")
      } else if let mapped = settings.mapped {
        outcome.excerpt.append("probe: mapped \(mapped)")
        libraries.insert(mapped)
      } else {
        outcome.gaps.append("tenant \(tenant.name)'s probe did not say whether libvgpu.so was mapped")
      }
      if settings.limit != "\(tenant.sliceMiB)m" {
        outcome.failures.append(
          "tenant \(tenant.name) ran with CUDA_DEVICE_MEMORY_LIMIT=\(settings.limit ?? "unset"), not \(tenant.sliceMiB)m"
        )
      }
      if let cache = settings.cache {
        if let other = caches[cache] {
          outcome.failures.append("tenants \(other) and \(tenant.name) share the cache file \(cache)")
        }
        caches[cache] = tenant.name
      } else {
        outcome.failures.append(
          "tenant \(tenant.name) has no CUDA_DEVICE_MEMORY_SHARED_CACHE: it shares the default /tmp/cudevshr.cache"
        )
      }
      if !HAMiCoreLog.isPresent(in: lines) {
        outcome.gaps.append("no HAMi-core log line in \(file)")
      }
    }
    let digest = evidence.bundle.artifact(HAMiCoreCatalog.library).flatMap { artifact -> String? in
      outcome.cite(artifact)
      let digests = artifact.outputLines.compactMap { line -> String? in
        guard let match = line.firstMatch(of: #/^([0-9a-f]{64})\s+\S*libvgpu\S*$/#) else { return nil }
        return String(match.output.1)
      }
      if Set(digests).count > 1 {
        outcome.failures.append(
          "the staged libvgpu.so differs from its source (SHA-256 \(digests.joined(separator: " vs ")))")
      }
      return digests.last
    }
    if digest == nil { outcome.gaps.append("no SHA-256 of libvgpu.so in \(HAMiCoreCatalog.library)") }
    if let decided = outcome.decided { return decided }
    let source =
      evidence.library.map { "from \($0)" } ?? evidence.image.map { "extracted from \($0)" }
      ?? "source not recorded"
    let commit =
      evidence.commit.map { "HAMi-core commit \($0)" }
      ?? "HAMi-core commit not given (--param hami_core_commit)"
    let limits = tenants.map { "\($0.name): CUDA_DEVICE_MEMORY_LIMIT=\($0.sliceMiB)m" }.joined(
      separator: ", ")
    return Finding(
      .pass,
      "libvgpu.so mapped into every tenant via LD_PRELOAD (\(libraries.sorted().joined(separator: ", "))); \(limits); "
        + "each with its own CUDA_DEVICE_MEMORY_SHARED_CACHE; libvgpu.so sha256:\(digest ?? "?") \(source); \(commit)",
      facts: ["sha256": digest ?? "", "commit": evidence.commit ?? ""])
  }

  /// The probe's settings line and what it said was mapped.
  static func settings(in lines: [String]) -> Settings? {
    guard let line = lines.first(where: { $0.hasPrefix("probe: pid ") && $0.contains("LD_PRELOAD=") }) else {
      return nil
    }
    func value(_ name: String) -> String? {
      guard let range = line.range(of: name + "=") else { return nil }
      let text = line[range.upperBound...].prefix { !$0.isWhitespace }
      return text.isEmpty || text == "unset" ? nil : String(text)
    }
    let mapped = lines.lazy.compactMap { line -> String? in
      guard line.hasPrefix("probe: mapped ") else { return nil }
      return String(line.dropFirst("probe: mapped ".count))
    }.first
    return Settings(
      preload: value("LD_PRELOAD"), limit: value("CUDA_DEVICE_MEMORY_LIMIT"),
      cache: value("CUDA_DEVICE_MEMORY_SHARED_CACHE"), mapped: mapped, line: line)
  }
}
