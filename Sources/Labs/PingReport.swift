import Foundation
import LabPipeline

/// `labrun ping`: what a read-only probe found on a host (``HostFacts``) and how it was
/// reached (its host key, its jump hosts), as text or JSON.
public struct PingReport: Encodable, Sendable {
  public var target: TargetInfo
  public var facts: HostFacts

  public init(target: TargetInfo, facts: HostFacts) {
    self.target = target
    self.facts = facts
  }

  /// Runs the probe on `transport` and closes it, whatever the probe ended with.
  public static func probe(_ transport: any Transport) async throws -> PingReport {
    do {
      let facts = try await HostFacts.gather(on: transport)
      let report = PingReport(target: await transport.target, facts: facts)
      await transport.close()
      return report
    } catch {
      await transport.close()
      throw error
    }
  }

  /// `--json`: snake_case keys, one line.
  public func json() throws -> String {
    let encoder = JSONEncoder.labrun
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
  }

  /// `labrun ping`: one row per fact, the host and its key first.
  public var text: String {
    let (target, facts) = (self.target, self.facts)
    var rows: [(String, String)] = []
    var where_ = target.name
    if target.kind == .ssh {
      where_ += " (\(target.user ?? "?")@\(target.address ?? "?"):\(target.port ?? 22))"
    } else if target.kind == .simulated {
      where_ += " (labrun's simulated GPU host: no real GPU, nothing installed on this machine)"
    }
    rows.append(("host", where_))
    if let key = target.hostKey { rows.append(("host key", key)) }
    for jump in target.jumpHosts ?? [] {
      let address = "\(jump.user ?? "?")@\(jump.address ?? "?"):\(jump.port ?? 22)"
      rows.append(("via", "\(jump.name) (\(address)) \(jump.hostKey ?? "")"))
    }
    rows.append(("os", facts.os ?? "unknown"))
    rows.append(("kernel", facts.kernel ?? "unknown"))
    rows.append(("arch", facts.arch ?? "unknown"))
    rows.append(("user", facts.user ?? "unknown"))
    rows.append(("privilege", facts.privilege.rawValue))
    if !facts.nvidiaSMIFound {
      rows.append(("gpu", "none: nvidia-smi not found"))
    } else if !facts.driverWorks {
      rows.append(("gpu", "nvidia-smi failed: \(facts.nvidiaSMIError ?? "no GPU reported")"))
    } else {
      for gpu in facts.gpus {
        let memory = gpu.memoryMiB.map { "\($0) MiB" } ?? "? MiB"
        var line = "\(gpu.name), \(memory), driver \(gpu.driver ?? "?")"
        if let uuid = gpu.uuid { line += ", \(uuid)" }
        if let mig = gpu.migMode, mig != "[N/A]" { line += ", MIG \(mig)" }
        rows.append(("gpu", line))
      }
    }
    return rows.map { $0.0.padding(toLength: 11, withPad: " ", startingAt: 0) + $0.1 + "\n" }.joined()
  }
}
