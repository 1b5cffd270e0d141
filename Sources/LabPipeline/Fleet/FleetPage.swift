import Foundation

/// The fleet page: one row per host (GPU, driver, status, each exercise's verdict, its own
/// page) under a recap. Pure: a function of the hosts' results, so `labrun run` and
/// `labrun report --fleet ID` print the same page.
public struct FleetPage: Sendable, Hashable {
  public var fleetID: String
  public var lab: String
  public var hosts: [FleetHostResult]

  public init(fleetID: String, lab: String, hosts: [FleetHostResult]) {
    self.fleetID = fleetID
    self.lab = lab
    self.hosts = hosts
  }

  public var recap: FleetRecap { FleetRecap(hosts) }

  /// Every exercise id any host has, in the order the hosts list them.
  public var exerciseIDs: [String] {
    var ids: [String] = []
    for host in hosts {
      for exercise in host.report?.exercises ?? [] where !ids.contains(exercise.id) {
        ids.append(exercise.id)
      }
    }
    return ids
  }

  /// The markdown page.
  public func markdown() -> String {
    let recap = recap
    var out = ["# Fleet \(fleetID): \(lab)", "", "**\(recap.line)**"]
    if let pages = recap.pageLine { out += ["", pages] }
    out += ["", "Exit status: \(recap.exitStatus)", ""]
    let ids = exerciseIDs
    out.append(
      "| Host | GPU | Driver | Status | " + ids.map { "Ex. \($0)" }.joined(separator: " | ")
        + (ids.isEmpty ? "" : " | ") + "Page |")
    out.append("|" + String(repeating: "---|", count: 5 + ids.count))
    for host in hosts {
      let verdicts = ids.map { id in host.report?.exercises.first { $0.id == id }?.verdict.rawValue ?? "—" }
      let cells =
        [
          host.host, host.report?.environment.gpu ?? "—", host.report?.environment.driver ?? "—",
          status(host),
        ] + verdicts + [host.page.map { "[\($0)](\($0))" } ?? "—"]
      out.append("| " + cells.map(Self.cell).joined(separator: " | ") + " |")
    }
    return out.joined(separator: "\n") + "\n"
  }

  /// A host's Status cell: its outcome, its page status, and what stopped it.
  func status(_ host: FleetHostResult) -> String {
    var text = host.outcome.label
    if let report = host.report, !report.exercises.isEmpty { text += " (\(report.status.rawValue))" }
    if let message = host.message, host.outcome != .allPass { text += ": \(message)" }
    return text
  }

  /// A table cell: one line, no column break.
  static func cell(_ text: String) -> String {
    text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
  }

  /// `--json`: the recap and every host's row, snake_case keys, `/` unescaped.
  public func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(FleetJSON(self)), as: UTF8.self) + "\n"
  }

  /// `--format junit`: one `<testsuite>` per host; a host without exercises is one testcase
  /// that errs with what stopped it.
  public func junit() -> String {
    var out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
    let exercises = hosts.map { $0.report?.exercises ?? [] }
    let tests = zip(hosts, exercises).map { $1.isEmpty ? 1 : $1.count }.reduce(0, +)
    let failures = exercises.joined().filter { $0.verdict == .fail }.count
    let errors = tests - failures - exercises.joined().filter { $0.verdict == .pass }.count
    out.append(
      "<testsuites name=\"labrun fleet \(JUnitReport.escape(fleetID))\" tests=\"\(tests)\" "
        + "failures=\"\(failures)\" errors=\"\(errors)\">")
    for host in hosts {
      if let report = host.report, !report.exercises.isEmpty {
        out += JUnitReport.suite(report, name: host.host, startedAt: report.startedAt)
      } else {
        out += stoppedSuite(host)
      }
    }
    out.append("</testsuites>")
    return out.joined(separator: "\n") + "\n"
  }

  private func stoppedSuite(_ host: FleetHostResult) -> [String] {
    let name = JUnitReport.escape(host.host)
    let reason = JUnitReport.escape(status(host))
    return [
      "  <testsuite name=\"\(name)\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0\">",
      "    <testcase name=\"run\" classname=\"\(JUnitReport.escape(lab)).\(name)\" time=\"0\">",
      "      <error message=\"\(reason)\" type=\"\(host.outcome.rawValue)\"></error>",
      "    </testcase>",
      "  </testsuite>",
    ]
  }
}
