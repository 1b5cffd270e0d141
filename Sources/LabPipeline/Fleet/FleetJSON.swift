import Foundation

/// The fleet page's JSON shape (`labrun report --fleet ID --json`).
struct FleetJSON: Encodable {
  struct Recap: Encodable {
    var hosts: Int
    var outcomes: [String: Int]
    var pageStatuses: [String: Int]
    var exitStatus: Int32

    enum CodingKeys: String, CodingKey {
      case hosts, outcomes
      case pageStatuses = "page_statuses"
      case exitStatus = "exit_status"
    }
  }

  struct Exercise: Encodable {
    var id: String
    var verdict: Verdict
    var reason: String
  }

  struct Host: Encodable {
    var host: String
    @NullWhenAbsent var runID: String?
    @NullWhenAbsent var exitStatus: Int32?
    var outcome: String
    var simulated: Bool
    @NullWhenAbsent var status: ValidationStatus?
    @NullWhenAbsent var gpu: String?
    @NullWhenAbsent var driver: String?
    var exercises: [Exercise]
    @NullWhenAbsent var message: String?
    @NullWhenAbsent var page: String?

    enum CodingKeys: String, CodingKey {
      case host, outcome, simulated, status, gpu, driver, exercises, message, page
      case runID = "run_id"
      case exitStatus = "exit_status"
    }
  }

  var schema = "labrun.fleet-report/v1"
  var fleetID: String
  var lab: String
  var recap: Recap
  var hosts: [Host]

  enum CodingKeys: String, CodingKey {
    case schema, lab, recap, hosts
    case fleetID = "fleet_id"
  }

  init(_ page: FleetPage) {
    fleetID = page.fleetID
    lab = page.lab
    let recap = page.recap
    self.recap = Recap(
      hosts: recap.hosts,
      outcomes: Dictionary(uniqueKeysWithValues: recap.outcomes.map { ($0.key.rawValue, $0.value) }),
      pageStatuses: Dictionary(uniqueKeysWithValues: recap.pageStatuses.map { ($0.key.rawValue, $0.value) }),
      exitStatus: recap.exitStatus)
    hosts = page.hosts.map { host in
      let report = host.report
      let exercises = report?.exercises.map { Exercise(id: $0.id, verdict: $0.verdict, reason: $0.reason) }
      return Host(
        host: host.host, runID: host.runID, exitStatus: host.exitStatus, outcome: host.outcome.rawValue,
        simulated: host.simulated, status: (exercises?.isEmpty ?? true) ? nil : report?.status,
        gpu: report?.environment.gpu, driver: report?.environment.driver, exercises: exercises ?? [],
        message: host.message, page: host.page)
    }
  }
}
