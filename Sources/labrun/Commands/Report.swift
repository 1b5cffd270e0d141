import ArgumentParser
import Foundation
import LabPipeline
import Labs

extension Labrun {
  struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Verify a run's evidence and print the dated validation page.",
      discussion: """
        Reads the run's evidence bundle (run.json, artifacts/, artifacts/SHA256SUMS), decides each \
        exercise from the evidence alone and prints the page to standard output:
          labrun report > validation.md
          labrun report --run run-bundle.tar.gz --format json     (or --json)
          labrun report --format junit > labrun-junit.xml          (for CI)
          labrun report --fleet ID                        (a fleet's page)
          labrun report --hosts hosts.txt                 (their newest fleet)
          labrun report --kubeconfig FILE [--context NAME] (its newest run)

        A file that does not match SHA256SUMS stops the report with an error naming it. The page's \
        date is the run's, never today's. Use `labrun verify` to gate on the verdict.

        Evidence captured by hand (same file names, `$ command` headers, no run.json):
          labrun report --import DIR --host NAME --date YYYY-MM-DD [--provider P]
        renders a page marked as imported, INCOMPLETE at best.

        Exit status:
          0    a page was rendered, whatever its status
          2    --kubeconfig names no cluster (no such file, no such context)
          4    no such run, or its evidence is unreadable or altered (the error names
               the file)
          64   invalid command line
        """)

    /// Page formats `--format` accepts.
    typealias Format = PageFormat

    @OptionGroup var evidence: RunOption

    /// A fleet's page instead of one run's.
    @Option(
      help: ArgumentHelp(
        "Print the page of a fleet (labrun run with several hosts): a row per host and the recap.",
        valueName: "fleet-id"))
    var fleet: String?

    /// The newest fleet of the hosts in this file instead of a fleet id.
    @Option(
      name: .customLong("hosts"),
      help: ArgumentHelp(
        "Print the page of the newest fleet of exactly the hosts in FILE (as labrun run --hosts takes it).",
        valueName: "file"))
    var hostsFile: String?

    /// The newest run on an existing cluster instead of the current run.
    @Option(
      name: .customLong("kubeconfig"),
      help: ArgumentHelp(
        "Print the page of the newest run on the existing cluster of this kubeconfig (its --context).",
        valueName: "file"))
    var kubeconfig: String?

    /// With --kubeconfig: its context (default: its current-context).
    @Option(
      name: .customLong("context"),
      help: ArgumentHelp("With --kubeconfig: the context (default: its current-context).", valueName: "name"))
    var context: String?

    /// Markdown for people, JSON for machines, JUnit XML for CI; all carry the same verdicts.
    @Option(
      help: """
        Output format: markdown (the validation page), json (the verdicts as data) or junit \
        (JUnit XML: one testcase per exercise, FAIL a <failure>, INCONCLUSIVE an <error>).
        """)
    var format: Format?

    /// `--json` is `--format json`, as `labrun status --json` and `verify --json` spell it.
    @Flag(name: .customLong("json"), help: "The same as --format json.")
    var json = false

    /// A directory of hand-captured evidence; switches report to import mode.
    @Option(
      name: .customLong("import"),
      help: ArgumentHelp(
        "Render hand-captured evidence from DIR (artifact files with `$ command` headers, no run.json).",
        valueName: "DIR"))
    var importDirectory: String?

    /// With --import: the machine the evidence was captured on (labrun cannot check it).
    @Option(help: ArgumentHelp("With --import: the machine the evidence was captured on.", valueName: "NAME"))
    var host: String?

    /// With --import: the capture date, which becomes the page's date.
    @Option(help: ArgumentHelp("With --import: the date the evidence was captured.", valueName: "YYYY-MM-DD"))
    var date: String?

    /// With --import: the provider label shown on the page.
    @Option(
      help: ArgumentHelp("With --import: the provider label for the page (e.g. Hyperstack).", valueName: "P"))
    var provider: String?

    func validate() throws {
      if json, let format, format != .json {
        throw ValidationError("--json and --format \(format.rawValue) disagree; pick one")
      }
      if importDirectory != nil {
        guard evidence.run == nil else {
          throw ValidationError("--import and --run cannot be combined; pick one")
        }
        guard let host, !host.isEmpty else {
          throw ValidationError("--import needs --host NAME (the captured machine)")
        }
        guard let date, date.wholeMatch(of: #/\d{4}-\d{2}-\d{2}/#) != nil,
          RecordedRun.utcDate(of: date + "T00:00:00Z") == date
        else {
          throw ValidationError("--import needs --date YYYY-MM-DD (the capture date), e.g. --date 2026-06-23")
        }
      } else if [fleet != nil, hostsFile != nil, evidence.run != nil, kubeconfig != nil].filter({ $0 }).count
        > 1
      {
        throw ValidationError("--fleet, --hosts, --kubeconfig and --run each name what to report; pick one")
      } else if context != nil, kubeconfig == nil {
        throw TargetArguments.contextWithoutKubeconfig
      } else if host != nil || date != nil || provider != nil {
        throw ValidationError("--host, --date and --provider only apply with --import DIR")
      }
    }

    func run() async throws {
      let format = json ? .json : format ?? .markdown
      if let fleet {
        return StandardOutput.write(try await LabSession().fleetPage(fleet).rendered(as: format))
      }
      if let hostsFile {
        return StandardOutput.write(
          try await LabSession().fleetPage(hostsFile: hostsFile).rendered(as: format))
      }
      StandardOutput.write(
        try ValidationPageRenderer.rendered(try LabRegistry.verify(try bundle()), as: format))
    }

    /// The evidence to judge: hand-captured files (`--import`), or a run's bundle (the newest
    /// on `--kubeconfig`'s cluster, else `--run` or the current run).
    func bundle() throws -> EvidenceBundle {
      if let importDirectory {
        return try EvidenceBundle.importHandCaptured(
          directory: URL(fileURLWithPath: importDirectory, isDirectory: true),
          provenance: .init(host: host ?? "", date: date ?? "", provider: provider))
      }
      let run =
        try kubeconfig.map { try LabSession().newestRun(kubeconfig: $0, context: context) } ?? evidence.run
      return try EvidenceBundle.load(runSpec: run, stateDirectory: StateDirectory())
    }
  }
}

extension PageFormat: ExpressibleByArgument {}
