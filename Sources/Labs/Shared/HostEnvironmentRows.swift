import LabPipeline

/// The Environment rows every lab that runs straight on a host writes the same way: the date
/// from run.json, and the machine (target kind, provider, name, OS and kernel from `osFile`).
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
}
