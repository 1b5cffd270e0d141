import Foundation
import LabPipeline

/// `labrun verify` of a fleet bundle (``LabPipeline/FleetBundle``): every host's run checked as
/// `labrun verify` checks one bundle, one verdict line per host, then the fleet's.
///
/// The fleet's exit status is verify's own table (0 VALIDATED … 4 unreadable), combined in the
/// fleet's order: 4 when any host's evidence is unreadable or altered (the bundle cannot be
/// trusted), else 1 when any host's page is FAILED (the evidence contradicts isolation), else 2
/// when any is INCOMPLETE or a host has no run (it stopped at a failed step or was unreachable,
/// so nothing proves it holds), else 3 when any is SIMULATED, else 0: every host VALIDATED.
public struct FleetVerification: Sendable {
  /// One host's verdict.
  public struct Host: Sendable {
    public var host: String
    public var runID: String?
    /// The host's report, when its run's evidence could be read.
    public var report: ValidationReport?
    /// Why there is no report: no run, or evidence that cannot be read or was altered.
    public var problem: String?
    /// The evidence is missing from the bundle, unreadable or altered (exit 4).
    public var unreadable: Bool

    public init(
      host: String, runID: String? = nil, report: ValidationReport? = nil, problem: String? = nil,
      unreadable: Bool
    ) {
      self.host = host
      self.runID = runID
      self.report = report
      self.problem = problem
      self.unreadable = unreadable
    }

    /// verify's status for this host.
    public var exitStatus: Int32 {
      if unreadable { return LabrunExitCode.runStateFailed }
      return report?.status.exitCode ?? ValidationStatus.incomplete.exitCode
    }

    /// `gpu-01: STATUS: SIMULATED - …`, or what stopped the host.
    public var line: String {
      if let report { return "\(host): \(report.statusSummary)" }
      return
        "\(host): \(unreadable ? "UNREADABLE" : ValidationStatus.incomplete.rawValue) - \(problem ?? "no evidence")"
    }
  }

  /// verify's statuses in the order a host's decides the fleet's.
  public static let precedence: [Int32] = [
    LabrunExitCode.runStateFailed, ValidationStatus.failed.exitCode, ValidationStatus.incomplete.exitCode,
    ValidationStatus.simulated.exitCode,
  ]

  public var fleetID: String
  public var hosts: [Host]
  /// Who signed the archive (`--allowed-signers`).
  public var signer: BundleSigner?

  public init(fleetID: String, hosts: [Host], signer: BundleSigner? = nil) {
    self.fleetID = fleetID
    self.hosts = hosts
    self.signer = signer
  }

  /// Verifies every host of the fleet in `fleetDirectory` (an unpacked fleet bundle).
  public static func verify(fleetDirectory: URL, signer: BundleSigner? = nil) throws -> FleetVerification {
    let record = try FleetBundle.record(in: fleetDirectory)
    let hosts = record.hosts.map { host -> Host in
      guard let runID = host.runID else {
        let status = host.exitStatus.map { "exit status \($0)" } ?? "not started"
        return Host(
          host: host.target, problem: "no run: the fleet never started one on this host (\(status))",
          unreadable: false)
      }
      let directory = fleetDirectory.appendingPathComponent("runs/\(runID)", isDirectory: true)
      do {
        var bundle = try EvidenceBundle.load(directory: directory)
        if let signer { bundle = bundle.signed(by: signer) }
        return Host(
          host: host.target, runID: runID, report: try LabRegistry.verify(bundle), unreadable: false)
      } catch {
        return Host(host: host.target, runID: runID, problem: String(describing: error), unreadable: true)
      }
    }
    return FleetVerification(fleetID: record.fleetID, hosts: hosts, signer: signer)
  }

  /// The fleet's status on verify's table (see the type's comment).
  public var exitStatus: Int32 {
    let statuses = Set(hosts.map(\.exitStatus))
    return Self.precedence.first(where: statuses.contains) ?? 0
  }

  /// One line per host, then the fleet's: how many hosts of each status, and the exit status.
  public var text: String {
    var counts: [String] = []
    for status in [ValidationStatus.validated, .failed, .incomplete, .simulated] {
      counts.append("\(hosts.filter { $0.report?.status == status }.count) \(status.rawValue)")
    }
    let missing = hosts.filter { $0.report == nil && !$0.unreadable }.count
    let unreadable = hosts.filter(\.unreadable).count
    if missing > 0 { counts.append("\(missing) without a run") }
    if unreadable > 0 { counts.append("\(unreadable) unreadable") }
    var lines = hosts.map(\.line)
    if let signer {
      lines.append(
        "SIGNED: \(signer.keyType) \(signer.fingerprint) (\(signer.principals.joined(separator: ", ")))")
    }
    lines.append(
      "FLEET \(fleetID): \(hosts.count) host\(hosts.count == 1 ? "" : "s"): "
        + counts.joined(separator: " · ") + " (exit \(exitStatus))")
    return lines.joined(separator: "\n") + "\n"
  }
}
