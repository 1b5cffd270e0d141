import Foundation
import LabPipeline
import Remote

/// `labrun plan` over a fleet: each host's own plan (``LabPlan``, with the host's own
/// parameters from the hosts file applied after `--param`), one section per host.
public struct FleetPlan: Encodable, Sendable {
  public var hosts: [LabPlan]

  /// Plans `phases` on every host; the first host whose plan cannot be made stops it (the
  /// whole list is checked before anything is shown, as before anything starts).
  public static func make(
    lab: LoadedLab, hosts: [FleetLifecycle.Host], overrides: [String], phases: [Phase],
    options: ConnectionOptions, lifecycle: LifecycleOptions = LifecycleOptions(), redactor: Redactor,
    nodes: [String] = [], cluster: ExistingClusterTarget? = nil
  ) async throws -> FleetPlan {
    if let cluster {
      return FleetPlan(hosts: [
        try LabPlan.make(
          lab: lab, parameters: try lab.definition.resolve(overrides: overrides), cluster: cluster,
          phases: phases,
          lifecycle: lifecycle, redactor: redactor)
      ])
    }
    // A cluster's agents join one server: with several hosts, whose would they be?
    if !nodes.isEmpty, hosts.count > 1 { throw ClusterTargetError.nodesWithFleet }
    var plans: [LabPlan] = []
    for host in hosts {
      plans.append(
        try await LabPlan.make(
          lab: lab, parameters: try lab.definition.resolve(overrides: overrides + host.parameters),
          target: try TargetSpec(parsing: host.target), phases: phases, options: options,
          lifecycle: lifecycle,
          redactor: redactor, nodes: nodes))
    }
    return FleetPlan(hosts: plans)
  }

  /// One `# host` section per host, each the host's plan as `labrun plan --host` prints it.
  public var text: String {
    hosts.map { "# \($0.host)\n\n" + $0.text }.joined(separator: "\n")
  }

  /// What `labrun plan` prints: one host's plan as it always was (text or JSON), a fleet's
  /// sections or `{"hosts": [...]}`. Redacted before encoding: redacting JSON text could
  /// break its quoting.
  public func rendered(json: Bool) throws -> String {
    let single = hosts.count == 1 ? hosts.first : nil
    guard json else { return single?.text ?? text }
    let data = try single.map { try JSONEncoder.labrun.encode($0) } ?? JSONEncoder.labrun.encode(self)
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
