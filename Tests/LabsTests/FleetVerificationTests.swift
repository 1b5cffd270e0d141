import Foundation
import LabPipeline
import Labs
import Testing

/// `labrun verify` of a fleet bundle (issue 22): each host as one bundle is verified, the
/// fleet's status on verify's own table in the fleet's order.
@Suite struct FleetVerificationTests {
  static func host(_ name: String, _ status: ValidationStatus?, unreadable: Bool = false)
    -> FleetVerification.Host
  {
    let report = status.map { status in
      ValidationReport(
        lab: "hami-isolation-realgpu", runID: "r-\(name)", status: status, statusReasons: [],
        date: "2026-12-07",
        targetKind: status == .simulated ? "simulated" : "ssh",
        environment: EnvironmentSummary(gpu: "g", driver: "d"),
        exercises: [],
        page: LabPage(
          title: "t", labPath: "l/", validatedBlurb: "", provesHeading: "", proves: [], scopeLimits: []),
        integrity: .verified(fileCount: 1), provenance: .recorded, provider: nil,
        startedAt: "2026-12-07T16:00:00Z")
    }
    return FleetVerification.Host(
      host: name, runID: status == nil && !unreadable ? nil : "r-\(name)", report: unreadable ? nil : report,
      problem: report == nil || unreadable ? "why" : nil, unreadable: unreadable)
  }

  @Test(
    arguments: [
      ([ValidationStatus.validated, .validated], 0),
      ([.validated, .simulated], 3),
      ([.simulated, .incomplete], 2),
      ([.incomplete, .failed, .simulated], 1),
    ] as [([ValidationStatus], Int32)])
  func theFleetTakesTheFirstOfFailedIncompleteSimulated(statuses: [ValidationStatus], expected: Int32) {
    let fleet = FleetVerification(
      fleetID: "f", hosts: statuses.enumerated().map { Self.host("h\($0.offset)", $0.element) })
    #expect(fleet.exitStatus == expected)
  }

  /// Altered or missing evidence makes the bundle untrustworthy: 4, over a FAILED host; a
  /// host without a run is INCOMPLETE (nothing proves it holds).
  @Test func unreadableEvidenceDecidesAndAHostWithoutARunIsIncomplete() {
    let altered = FleetVerification(
      fleetID: "f", hosts: [Self.host("a", .failed), Self.host("b", .validated, unreadable: true)])
    #expect(altered.exitStatus == 4)
    let withoutRun = FleetVerification(
      fleetID: "f", hosts: [Self.host("a", .validated), Self.host("b", nil)])
    #expect(withoutRun.exitStatus == 2)
    let lines = withoutRun.text.split(separator: "\n")
    #expect(lines.count == 3)
    #expect(lines[0] == "a: STATUS: VALIDATED")
    #expect(lines[1] == "b: INCOMPLETE - why")
    #expect(
      lines[2]
        == "FLEET f: 2 hosts: 1 VALIDATED · 0 FAILED · 0 INCOMPLETE · 0 SIMULATED · 1 without a run (exit 2)")
  }
}
