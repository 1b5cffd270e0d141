import Foundation
import LabPipeline

/// What `labrun verify` decides for `--run ID|DIR|BUNDLE.tar.gz`: one run's verdicts, or a
/// fleet bundle's host by host (``FleetVerification``), with its text, JSON and exit status
/// on verify's own table.
public enum EvidenceVerification: Sendable {
  case run(ValidationReport)
  case fleet(FleetVerification)

  /// Loads and verifies what `spec` names (nil: the current run); an archive is unpacked to a
  /// temporary directory that is removed again. `signer` is who signed the archive, checked
  /// by the caller before.
  public static func verify(_ spec: String?, state: StateDirectory, signer: BundleSigner? = nil) throws
    -> EvidenceVerification
  {
    guard let spec, EvidenceBundle.isArchive(spec) else {
      var bundle = try EvidenceBundle.load(runSpec: spec, stateDirectory: state)
      if let signer { bundle = bundle.signed(by: signer) }
      return .run(try LabRegistry.verify(bundle))
    }
    return try BundleArchive.unpacked(URL(fileURLWithPath: spec)) { directory in
      if let fleet = FleetBundle.fleetDirectory(in: directory) {
        return .fleet(try FleetVerification.verify(fleetDirectory: fleet, signer: signer))
      }
      var bundle = try EvidenceBundle.load(
        directory: try BundleArchive.runDirectory(in: directory, archive: URL(fileURLWithPath: spec)))
      if let signer { bundle = bundle.signed(by: signer) }
      return .run(try LabRegistry.verify(bundle))
    }
  }

  /// verify's exit status: the page's (0 VALIDATED … 3 SIMULATED) or the fleet's.
  public var exitStatus: Int32 {
    switch self {
    case .run(let report): return report.status.exitCode
    case .fleet(let fleet): return fleet.exitStatus
    }
  }

  /// One line per exercise (or per host), the signer, then the status.
  public var text: String {
    switch self {
    case .fleet(let fleet): return fleet.text
    case .run(let report):
      var lines = report.exerciseLines
      if let signer = report.signer {
        let principals = signer.principals.joined(separator: ", ")
        lines.append(
          "SIGNED: \(signer.keyType) \(signer.fingerprint) (\(principals)) in \(signer.signatureFile)")
      }
      return (lines + [report.statusSummary]).joined(separator: "\n") + "\n"
    }
  }

  /// `--json`: one run's verdicts as `labrun report --format json` gives them; a fleet's as
  /// `{"fleet_id", "exit_status", "hosts": [{"host", "run_id", "exit_status", "problem", "report"}]}`.
  public func json() throws -> Data {
    switch self {
    case .run(let report): return try ValidationPageRenderer.json(report)
    case .fleet(let fleet):
      let hosts = try fleet.hosts.map { host -> [String: Any] in
        var object: [String: Any] = ["host": host.host, "exit_status": host.exitStatus]
        if let runID = host.runID { object["run_id"] = runID }
        if let problem = host.problem { object["problem"] = problem }
        if let report = host.report {
          object["report"] = try JSONSerialization.jsonObject(with: try ValidationPageRenderer.json(report))
        }
        return object
      }
      let document: [String: Any] = [
        "fleet_id": fleet.fleetID, "exit_status": fleet.exitStatus, "hosts": hosts,
      ]
      return try JSONSerialization.data(
        withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        + Data("\n".utf8)
    }
  }
}
