import Foundation
import LabPipeline
import Remote

/// `labrun plan`: what a lab would do on a target, from the lab, its parameters and `--host`
/// alone: how the host resolves (as `ping --resolve` shows it, honouring `-F` and
/// `--identity`), the parameters that apply to it, and every step with the commands it would
/// run and what each is fed on its standard input. Connects to nothing, looks no name up, runs
/// nothing; secrets are redacted as in the transcript.
public struct LabPlan: Encodable, Sendable {
  public var lab: String
  /// lab.yaml as run.json records it.
  public var labFile: String
  /// `--host` as given.
  public var host: String
  public var targetKind: TargetInfo.Kind
  /// How the ssh part of `--host` resolves; nil for `local` and a simulated host here.
  public var resolution: ResolvedHostReport?
  /// Redacted. `sim_scenario` only for a simulated host (a real one has no scenario).
  public var parameters: [String: RecordedValue]
  /// The phases shown, in order.
  public var phases: [Phase]
  /// Redacted, stdin included.
  public var steps: [PlannedStep]
  /// A cluster's agents (`--node`), joining `host`; nil for one host.
  public var nodes: [String]?
  /// On an existing cluster (`--kubeconfig`): how every kubectl of the steps runs on this machine.
  public var kubectl: String?

  enum CodingKeys: String, CodingKey {
    case lab, host, parameters, steps, resolution, nodes, kubectl
    case labFile = "lab_file"
    case targetKind = "target_kind"
  }

  /// The parameter only a simulated host reads.
  static let simulatedOnly: Set<String> = ["sim_scenario"]

  /// Plans `phases` of `lab` on `target`.
  /// - Throws: ``Remote/SSHError`` when the host's ssh_config cannot be read or honoured, and
  ///   what a step's plan throws (an invalid parameter).
  public static func make(
    lab: LoadedLab, parameters: Parameters, target: TargetSpec, phases: [Phase], options: ConnectionOptions,
    lifecycle: LifecycleOptions = LifecycleOptions(), redactor: Redactor, nodes: [String] = []
  ) async throws -> LabPlan {
    let cluster = try ClusterSpec(server: target.name, nodes: nodes)
    let scenario = parameters["sim_scenario"]?.stringValue
    try target.checkScenario(scenario)
    if case .simulated = target.kind { try lab.checkSimulatedScenario(scenario) }
    var described = target.describe()
    if !nodes.isEmpty { described.nodes = cluster.agents.map { $0.describe() } }
    var steps: [PlannedStep] = []
    for phase in phases {
      // Not connected: steps plan from the target's description and never reach it.
      steps += try Pipeline.plan(
        phase, steps: lab.steps(for: phase, nodes: nodes), parameters: parameters, target: described,
        options: lifecycle)
    }
    return LabPlan(
      lab: lab, target: described, host: target.name, resolution: try await target.resolve(options: options),
      parameters: parameters, phases: phases, steps: steps, nodes: nodes.isEmpty ? nil : nodes,
      redactor: redactor)
  }

  /// A plan as shown: `sim_scenario` only for a simulated target, parameters, titles, commands
  /// and standard inputs redacted as in the transcript.
  init(
    lab: LoadedLab, target: TargetInfo, host: String, resolution: ResolvedHostReport?, parameters: Parameters,
    phases: [Phase], steps: [PlannedStep], nodes: [String]?, redactor: Redactor
  ) {
    self.lab = lab.name
    labFile = lab.definition.source.recorded
    self.host = host
    targetKind = target.kind
    self.resolution = resolution
    self.parameters = parameters.values.filter {
      target.kind == .simulated || !Self.simulatedOnly.contains($0.key)
    }
    .reduce(into: [:]) { redacted, entry in
      redacted[entry.key] = redactor.redact(entry.value, name: entry.key)
    }
    self.phases = phases
    self.steps = steps.map { step in
      var copy = step
      copy.title = redactor.redact(step.title)
      copy.commands = step.commands.map(redactor.redact)
      copy.inputs = step.inputs.map { PlannedInput(command: $0.command, stdin: redactor.redact($0.stdin)) }
      return copy
    }
    self.nodes = nodes
  }

  /// The plan as a person reads it.
  public var text: String {
    var text = "lab \(lab) (\(labFile)) on \(host)\n\n"
    if let nodes, !nodes.isEmpty {
      text += "cluster agents (joining \(host)): \(nodes.joined(separator: ", "))\n"
    }
    if let kubectl {
      text +=
        "existing cluster (from the kubeconfig, not contacted): every kubectl runs here as\n  \(kubectl)\n"
    } else if let resolution {
      text += "host (resolved, not contacted):\n"
      text += resolution.text.split(separator: "\n").map { "  " + $0 + "\n" }.joined()
    } else {
      text +=
        "host: \(targetKind == .local ? "this machine (local processes)" : "labrun's simulated GPU host")\n"
    }
    text += "\nparameters:\n"
    for name in parameters.keys.sorted() {
      text += "  \(name) = \(parameters[name]?.description ?? "")\n"
    }
    for phase in phases {
      let phaseSteps = steps.filter { $0.phase == phase }
      text += "\n\(phase): \(phaseSteps.count) step\(phaseSteps.count == 1 ? "" : "s")\n"
      for (index, step) in phaseSteps.enumerated() {
        text += "  \(index + 1). \(step.id): \(step.title)"
        text += " (timeout \(Int(step.timeoutSeconds))s"
        text += step.maxAttempts > 1 ? ", up to \(step.maxAttempts) attempts)\n" : ")\n"
        for (number, command) in step.commands.enumerated() {
          text += "       $ " + command.replacingOccurrences(of: "\n", with: "\n         ") + "\n"
          for input in step.inputs where input.command == number {
            text += Self.render(stdin: input.stdin)
          }
        }
      }
    }
    return text
  }

  /// A command's standard input under it, each line marked `|`, as a heredoc would show it.
  static func render(stdin: String) -> String {
    var lines = stdin.split(separator: "\n", omittingEmptySubsequences: false)
    if lines.last == "" { lines.removeLast() }
    let count = lines.count
    return "         stdin (\(count) line\(count == 1 ? "" : "s")):\n"
      + lines.map { "         | " + $0 + "\n" }.joined()
  }
}
