import ArgumentParser
import Foundation
import LabPipeline
import Remote

extension Labrun {
  struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the steps and the commands each would run; runs nothing on the target.",
      discussion: """
        Reads the lab and its parameters and asks each step for the commands it would run. \
        Values that earlier steps compute show as <placeholders>. labrun does not connect to \
        the host, writes nothing to the state directory, and runs no command.

        \(LabrunExit.help)
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

    func validate() throws {
      guard target.host != nil else {
        throw ValidationError("--host is required (e.g. --host gpu-vm or --host local)")
      }
    }

    func run() async throws {
      let session = LabSession()
      do {
        let host = target.host ?? "local"
        let (lab, parameters) = try session.loadLab(self.lab)
        // Not connected: plan describes the target and must never reach it.
        let transport = PlanOnlyTransport(target: try TargetResolver.describe(host: host))
        var planned: [PlannedStep] = []
        for phase in Phase.allCases where self.phase == nil || self.phase == phase {
          planned += try await Pipeline.plan(
            phase, steps: lab.steps(for: phase), parameters: parameters, transport: transport)
        }
        if json {
          let document = PlanDocument(
            lab: lab.name, labFile: lab.definition.file.path, host: host,
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
                lab: lab.name, file: lab.definition.file.path, host: host,
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

/// The transport `labrun plan` hands the pipeline: it describes the target and refuses to
/// run anything, so a step that tried to use the target while planning would fail loudly.
struct PlanOnlyTransport: Transport {
  let target: TargetInfo

  func run(_ command: RemoteCommand) async throws -> CommandOutput {
    throw PlanOnlyError.wouldRun(command.description)
  }

  func upload(_ localFile: URL, to remotePath: String) async throws {
    throw PlanOnlyError.wouldRun("upload \(localFile.path) \(remotePath)")
  }

  func download(_ remotePath: String, to localFile: URL) async throws {
    throw PlanOnlyError.wouldRun("download \(remotePath) \(localFile.path)")
  }

  func close() async {}
}

/// A step tried to reach the target during `labrun plan`.
enum PlanOnlyError: Error, CustomStringConvertible, LocalizedError {
  /// The command a step tried to run.
  case wouldRun(String)

  var description: String {
    switch self {
    case .wouldRun(let command):
      return "a step tried to run `\(command)` while planning; plan must not touch the target (this is a bug)"
    }
  }

  var errorDescription: String? { description }
}
