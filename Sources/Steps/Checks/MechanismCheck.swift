import Foundation
import LabPipeline

/// Exercise 5: PASS iff pod a's env carries the memory limit for the slice and libvgpu.so is
/// preloaded.
public struct MechanismCheck: ExerciseCheck {
  public let id = "5"
  public let title = "The mechanism"
  public let criteria = "the HAMi-core injection that enforces the cap"

  public init() {}

  public func evaluate(_ bundle: EvidenceBundle) -> ExerciseResult {
    let facts = HAMiEvidence(bundle)
    var outcome = PodOutcomes()
    func result(_ verdict: Verdict, _ reason: String, facts: [String: String] = [:]) -> ExerciseResult {
      outcome.result(of: self, verdict, reason, facts: facts)
    }
    guard let pod = facts.sharePods.first else {
      return result(.inconclusive, "no share pod named in run.json")
    }
    let file = HAMiEvidence.mechanismFile(for: pod)
    guard let artifact = bundle.artifact(file) else {
      return result(.inconclusive, "\(file) missing: \(pod)'s environment was not captured")
    }
    outcome.cite(artifact)
    guard let slice = facts.sliceMiB else {
      return result(.inconclusive, "run.json has no slice_mib: the expected limit is unknown")
    }
    let sections = artifact.sections.map { (command: $0.command, lines: $0.lines) }
    let envSection = artifact.sections.first { section in
      section.command.map { $0.contains("env") || $0.contains("printenv") } ?? false
    }
    let env = ShellOutputs.environment(in: envSection?.lines ?? artifact.outputLines)
    guard !env.isEmpty else {
      return result(.inconclusive, "no environment (`KEY=VALUE` lines) in \(file)")
    }
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

    if let limitValue {
      if let limit = ShellOutputs.memoryLimitMiB(limitValue), limit != slice {
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
    if outcome.verdict != .pass { return result(outcome.verdict, outcome.problem) }
    var parts = [
      "env \(limitKey)=\(limitValue ?? "")" + (smLimit.map { ", CUDA_DEVICE_SM_LIMIT=\($0)" } ?? "")
    ]
    parts.append("library \(library ?? "")")
    if let visible { parts.append("NVIDIA_VISIBLE_DEVICES=\(Self.abbreviated(visible))") }
    return result(
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
