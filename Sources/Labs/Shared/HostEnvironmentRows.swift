import Foundation
import LabPipeline

/// The Environment rows every lab that runs straight on a host writes the same way: the date
/// from run.json, the machine (target kind, provider, name, OS and kernel from `osFile`), and for
/// the tenant labs the card and driver from the host's own nvidia-smi and the probes' toolkit.
enum HostEnvironmentRows {
  static func date(_ bundle: EvidenceBundle) -> EnvironmentSummary.Row {
    .init("Date", bundle.date.map { "\($0) (run.json started_at)" } ?? "unknown (run.json has no started_at)")
  }

  /// `GPU host (gpu-vm), Ubuntu 24.04.3 LTS, kernel 6.8.0-49-generic (0-os.txt)`.
  static func machine(_ bundle: EvidenceBundle, osFile: String) -> String {
    let osFields = bundle.artifact(osFile).map { ShellOutputs.osRelease(in: $0.outputLines) } ?? [:]
    let os =
      osFields["PRETTY_NAME"]
      ?? [osFields["NAME"], osFields["VERSION_ID"]].compactMap { $0 }.joined(separator: " ")
    let kernel = bundle.artifact(osFile)?.sections.first { $0.command == "uname -r" }?.lines.first
    var machine: String
    switch bundle.run.target?.kind {
    case .simulated?: machine = "simulated GPU host"
    case .local?: machine = (bundle.provider.map { "\($0) " } ?? "") + "local machine"
    default: machine = (bundle.provider.map { "\($0) " } ?? "") + "GPU host"
    }
    if let name = bundle.run.target?.name { machine += " (\(name))" }
    if !os.isEmpty { machine += ", \(os)" }
    if let kernel, !kernel.isEmpty { machine += ", kernel \(kernel)" }
    return machine + " (\(osFile))"
  }

  /// The GPU row of a lab whose card comes from the host's own `file`: name, memory, UUID, MIG
  /// mode and compute mode, then `severalGPUs(count)` when the host has more than one.
  static func gpu(_ card: HostGPUCard, file: String, severalGPUs: ((Int) -> String)? = nil)
    -> EnvironmentSummary.Row
  {
    var gpu = "not in the evidence (\(file))"
    if let name = card.name?.value {
      gpu = name
      if let mib = card.memoryMiB?.value { gpu += ", \(mib.roundedGB) GB (\(mib) MiB)" }
      if let uuid = card.uuid?.value { gpu += ", UUID \(uuid)" }
      if let mig = card.migMode?.value { gpu += ", MIG \(mig)" }
      if let mode = card.computeMode?.value { gpu += ", compute mode \(mode)" }
      if let severalGPUs, let count = card.gpuCount?.value, count > 1 { gpu += severalGPUs(count) }
      gpu += " (\(file))"
    }
    return .init("GPU", gpu)
  }

  /// The driver (and CUDA) row, from the host's own `file`.
  static func driver(_ card: HostGPUCard, file: String) -> EnvironmentSummary.Row {
    var driver = card.driver?.value ?? "not in the evidence"
    if let cuda = card.cuda?.value { driver += " (CUDA \(cuda))" }
    if card.driver != nil { driver += " (\(file))" }
    return .init("Driver", driver)
  }

  /// The CUDA toolkit row: nvcc's version line from the probes' build artifact, or the prebuilt
  /// probes' SHA-256 lines (`probe_dir`).
  static func toolkit(_ bundle: EvidenceBundle, buildFile: String) -> EnvironmentSummary.Row {
    let buildLines = bundle.artifact(buildFile)?.outputLines ?? []
    let nvcc = buildLines.first { $0.contains("Cuda compilation tools") }
    let prebuilt = buildLines.filter { $0.firstMatch(of: #/^[0-9a-f]{64}\s+\S*-probe$/#) != nil }
    var toolkit = "not in the evidence (\(buildFile))"
    if let nvcc {
      toolkit = "\(nvcc.trimmingCharacters(in: .whitespaces)) (\(buildFile))"
    } else if !prebuilt.isEmpty {
      toolkit =
        "probes prebuilt elsewhere (probe_dir): " + prebuilt.joined(separator: "; ") + " (\(buildFile))"
    }
    return .init("CUDA toolkit", toolkit)
  }

  /// The summary of a lab whose card comes from the host's own artifact.
  static func summary(_ rows: [EnvironmentSummary.Row], card: HostGPUCard, machine: String, note: String)
    -> EnvironmentSummary
  {
    EnvironmentSummary(
      rows: rows, gpu: card.name?.value, gpuMemoryMiB: card.memoryMiB?.value, gpuUUID: card.uuid?.value,
      driver: card.driver?.value, cuda: card.cuda?.value, kubernetes: nil, machine: machine, note: note)
  }
}
