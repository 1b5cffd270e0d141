import ArgumentParser
import Foundation
import LabPipeline
import Targets

extension Labrun {
  struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the steps and the commands each would run; runs nothing on the target.",
      discussion: """
        Reads the lab and its parameters and asks each step for the commands it would run. \
        Values that earlier steps compute show as <placeholders>. labrun does not connect to \
        the host, writes nothing to the state directory, and runs no command.

        \(LabrunExit.help(LabrunExit.planCodes))
        """)

    @OptionGroup var target: TargetArguments
    @OptionGroup var lab: LabArguments

    /// Machine-readable output for scripts.
    @Flag(name: .long, help: "Print the plan as JSON.")
    var json = false

    /// Which phases to show.
    @Option(
      name: .long,
      help: ArgumentHelp("Show only this phase (up, exercises or down).", valueName: "phase"))
    var phase: Phase?

    /// Shows down's purge steps, as `labrun down --purge` would run them.
    @Flag(name: .long, help: "Plan the down phase as `down --purge` (uninstall k3s, the toolkit and helm).")
    var purge = false

    func validate() throws { try target.requireHost() }

    func run() async throws {
      let session = LabSession()
      do {
        let spec = try TargetSpec(parsing: try target.spec())
        let host = spec.name
        let (lab, loaded) = try session.loadLab(self.lab)
        try spec.checkScenario(loaded["sim_scenario"]?.stringValue)
        if case .simulated = spec.kind { try lab.checkSimulatedScenario(loaded["sim_scenario"]?.stringValue) }
        let parameters = loaded
        var planned: [PlannedStep] = []
        for phase in Phase.allCases where self.phase == nil || self.phase == phase {
          // Not connected: steps plan from the target's description and never reach it.
          planned += try Pipeline.plan(
            phase, steps: lab.steps(for: phase), parameters: parameters, target: spec.describe(),
            options: LifecycleOptions(purge: purge))
        }
        if json {
          let document = PlanDocument(
            lab: lab.name, labFile: lab.definition.source.recorded, host: host,
            parameters: parameters.values.reduce(into: [:]) { redacted, entry in
              redacted[entry.key] = session.redactor.redact(entry.value, name: entry.key)
            },
            steps: planned.map { step in
              var copy = step
              copy.title = session.redactor.redact(step.title)
              copy.commands = step.commands.map(session.redactor.redact)
              return copy
            }
          )
          // Redact values before encoding: redacting JSON text could break its quoting.
          let data = try JSONEncoder.labrun.encode(document)
          Terminal.output(String(decoding: data, as: UTF8.self) + "\n")
        } else {
          Terminal.output(
            session.redactor.redact(
              render(
                lab: lab.name, file: lab.definition.source.recorded, host: host,
                parameters: parameters, steps: planned)))
        }
      } catch {
        throw session.failure(error)
      }
    }

    private func render(
      lab: String, file: String, host: String, parameters: Parameters, steps: [PlannedStep]
    ) -> String {
      var text = "lab \(lab) (\(file)) on \(host)\n\nparameters:\n"
      for name in parameters.values.keys.sorted() {
        text += "  \(name) = \(parameters.values[name]?.description ?? "")\n"
      }
      for phase in Phase.allCases where self.phase == nil || self.phase == phase {
        let phaseSteps = steps.filter { $0.phase == phase }
        text += "\n\(phase): \(phaseSteps.count) step\(phaseSteps.count == 1 ? "" : "s")\n"
        for (index, step) in phaseSteps.enumerated() {
          text += "  \(index + 1). \(step.id): \(step.title)"
          text += " (timeout \(Int(step.timeoutSeconds))s"
          text += step.maxAttempts > 1 ? ", up to \(step.maxAttempts) attempts)\n" : ")\n"
          for command in step.commands {
            text += "       $ " + command.replacingOccurrences(of: "\n", with: "\n         ") + "\n"
          }
        }
      }
      return text
    }
  }
}

/// `labrun plan --json`.
struct PlanDocument: Encodable {
  var lab: String
  var labFile: String
  var host: String
  var parameters: [String: RecordedValue]
  var steps: [PlannedStep]

  enum CodingKeys: String, CodingKey {
    case lab, host, parameters, steps
    case labFile = "lab_file"
  }
}

extension Phase: ExpressibleByArgument {}
