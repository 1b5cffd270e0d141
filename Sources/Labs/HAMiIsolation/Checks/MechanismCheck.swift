import Foundation
import LabPipeline

/// Exercise 5: PASS iff pod a's env carries the memory limit for the slice and libvgpu.so is
/// preloaded. Either contradiction (no limit or another limit in the env, libvgpu.so not in
/// `/etc/ld.so.preload`) decides before anything missing does.
struct MechanismCheck: HAMiCheck {
  static let heading = ExerciseHeading(
    "5", "The mechanism", criteria: "the HAMi-core injection that enforces the cap")

  func judge(_ evidence: HAMiEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    guard let pod = evidence.sharePods.first else {
      return Finding(.inconclusive, "no share pod named in run.json")
    }
    let file = HAMiCatalog.mechanism(pod: pod)
    guard let artifact = evidence.bundle.artifact(file) else {
      return Finding(.inconclusive, "\(file) missing: \(pod)'s environment was not captured")
    }
    outcome.cite(artifact)
    let slice = evidence.sliceMiB
    let sections = artifact.sections.map { (command: $0.command, lines: $0.lines) }
    let envSection = artifact.sections.first { section in
      section.command.map { $0.contains("env") || $0.contains("printenv") } ?? false
    }
    let env = ShellOutputs.environment(in: envSection?.lines ?? artifact.outputLines)
    let limitKey =
      env["CUDA_DEVICE_MEMORY_LIMIT_0"] != nil ? "CUDA_DEVICE_MEMORY_LIMIT_0" : "CUDA_DEVICE_MEMORY_LIMIT"
    let limitValue = env[limitKey]
    if let limitValue { outcome.excerpt.append("\(limitKey)=\(limitValue)") }
    let smLimit = env["CUDA_DEVICE_SM_LIMIT"]
    if let smLimit { outcome.excerpt.append("CUDA_DEVICE_SM_LIMIT=\(smLimit)") }
    let visible = env["NVIDIA_VISIBLE_DEVICES"]
    if let visible { outcome.excerpt.append("NVIDIA_VISIBLE_DEVICES=\(visible)") }
    let preload = ShellOutputs.preloadedLibraries(in: sections)
    let library = preload?.first { $0.hasSuffix("/libvgpu.so") }
    if let preload { outcome.excerpt += preload.map { "/etc/ld.so.preload: \($0)" } }

    if env.isEmpty {
      outcome.gaps.append("no environment (`KEY=VALUE` lines) in \(file)")
    } else if let limitValue {
      if slice == nil {
        outcome.gaps.append("run.json has no slice_mib: the expected limit is unknown")
      } else if let limit = ShellOutputs.memoryLimitMiB(limitValue), let slice, limit != slice {
        outcome.failures.append(
          "\(limitKey)=\(limitValue) is not the \(slice) MiB slice recorded in run.json")
      } else if ShellOutputs.memoryLimitMiB(limitValue) == nil {
        outcome.gaps.append("\(limitKey)=\(limitValue) is not a memory size")
      }
    } else {
      outcome.failures.append(
        "no CUDA_DEVICE_MEMORY_LIMIT in \(pod)'s environment: HAMi-core was given no limit")
    }
    switch (preload, library) {
    case (nil, _):
      outcome.gaps.append("no `cat /etc/ld.so.preload` section in \(file)")
    case (.some, nil):
      outcome.failures.append("libvgpu.so is not in \(pod)'s /etc/ld.so.preload: HAMi-core is not injected")
    case (.some, .some):
      break
    }
    if let decided = outcome.decided { return decided }
    var parts = [
      "env \(limitKey)=\(limitValue ?? "")" + (smLimit.map { ", CUDA_DEVICE_SM_LIMIT=\($0)" } ?? "")
    ]
    parts.append("library \(library ?? "")")
    if let visible { parts.append("NVIDIA_VISIBLE_DEVICES=\(Self.abbreviated(visible))") }
    return Finding(
      .pass, parts.joined(separator: "; "),
      facts: ["limit_variable": limitKey, "limit_value": limitValue ?? "", "library": library ?? ""])
  }

  /// `GPU-d3d0a942-4b02-…` → `GPU-d3d0a942-…`.
  static func abbreviated(_ uuid: String) -> String {
    let parts = uuid.split(separator: "-")
    guard uuid.hasPrefix("GPU-"), parts.count > 2 else { return uuid }
    return "\(parts[0])-\(parts[1])-…"
  }
}
