import ArgumentParser
import Foundation
import LabPipeline
import Labs

extension Labrun {
  struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check a run's evidence and exit with its status.",
      discussion: """
        Prints one line per exercise (verdict, title, reason, evidence files), then the overall status.

        Exit status:
          0  VALIDATED   real target, every exercise PASS, bundle intact
          1  FAILED      at least one exercise FAIL: the evidence contradicts the claim
          2  INCOMPLETE  no FAIL, but something INCONCLUSIVE, SHA256SUMS missing, or imported evidence
          3  SIMULATED   the simulated GPU host, whatever the verdicts
          4  the evidence could not be read or was altered (e.g. a file does not match SHA256SUMS)
        """)

    @OptionGroup var evidence: RunOption

    func run() async throws {
      let report: ValidationReport
      do {
        let bundle = try EvidenceBundle.load(runSpec: evidence.run, stateDirectory: StateDirectory())
        report = try LabRegistry.verify(bundle)
      } catch {
        StandardError.write("Error: \(error)")
        throw ExitCode(4)
      }
      var lines: [String] = []
      for exercise in report.exercises {
        let files = exercise.evidence.map(\.file).joined(separator: ", ")
        let verdict = exercise.verdict.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
        lines.append("\(exercise.id) \(verdict) \(exercise.title): \(exercise.reason) [\(files)]")
      }
      var status = "STATUS: \(report.status.rawValue)"
      if !report.statusReasons.isEmpty { status += " - " + report.statusReasons.joined(separator: "; ") }
      lines.append(status)
      StandardOutput.write(lines.joined(separator: "\n") + "\n")
      if report.status != .validated { throw ExitCode(report.status.exitCode) }
    }
  }
}
