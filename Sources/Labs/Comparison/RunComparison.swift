import Foundation
import LabPipeline

/// `labrun compare`: two or more verified runs side by side, one column per run, one row per
/// measured property, every cell citing its run's artifacts by run id, artifact name and SHA-256.
///
/// A pure function of the bundles: columns are ordered by start time and run id, never by the
/// order or place the runs were given, so the same runs render the same bytes wherever they lie.
/// Each run is verified first; only a run whose evidence cannot be read or was altered (verify's
/// exit 4) is refused. FAILED, INCOMPLETE and SIMULATED runs are compared.
public struct RunComparison: Sendable {
  var runs: [ComparedRun]

  /// Compares already loaded bundles.
  /// - Throws: ``ComparisonError`` for fewer than two runs or a run named twice, or when a
  ///   bundle's lab has no verifier (refused, as verify refuses it).
  public init(bundles: [EvidenceBundle]) throws {
    guard bundles.count >= 2 else { throw ComparisonError.tooFewRuns(count: bundles.count) }
    var runs: [ComparedRun] = []
    for bundle in bundles {
      let report: ValidationReport
      do {
        report = try LabRegistry.verify(bundle)
      } catch {
        throw ComparisonError.refused(input: bundle.run.runID ?? "a run", detail: "\(error)")
      }
      let run = ComparedRun(bundle: bundle, report: report)
      if runs.contains(where: { $0.runID == run.runID }) {
        throw ComparisonError.duplicateRun(runID: run.runID)
      }
      runs.append(run)
    }
    self.runs = runs.sorted { ($0.date, $0.runID) < ($1.date, $1.runID) }
  }

  /// Loads each `--run`-style spec (run id, run directory or bundle archive) and compares them.
  /// - Throws: ``ComparisonError/refused(input:detail:)`` naming the first spec whose evidence
  ///   cannot be read or was altered.
  public static func load(_ specs: [String], stateDirectory: StateDirectory) throws -> RunComparison {
    guard specs.count >= 2 else { throw ComparisonError.tooFewRuns(count: specs.count) }
    let bundles = try specs.map { spec in
      do {
        return try EvidenceBundle.load(runSpec: spec, stateDirectory: stateDirectory)
      } catch let error as EvidenceBundleError {
        // A fleet's bundle is readable, only not one run: its own error says what to do.
        if case .fleetArchive = error { throw error }
        throw ComparisonError.refused(input: spec, detail: "\(error)")
      } catch {
        throw ComparisonError.refused(input: spec, detail: "\(error)")
      }
    }
    return try RunComparison(bundles: bundles)
  }

  /// The page as markdown: the runs, the properties, then every cited artifact with its SHA-256.
  public var markdown: String {
    var references: [ComparedCell.Citation] = []
    func refs(_ cell: ComparedCell) -> String {
      let numbers = cell.evidence.map { citation -> Int in
        if let index = references.firstIndex(of: citation) { return index + 1 }
        references.append(citation)
        return references.count
      }
      return numbers.isEmpty ? "" : " " + numbers.map { "[\($0)]" }.joined()
    }
    func row(_ name: String, _ values: [String]) -> String {
      "| " + ([name] + values).map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ")
        + " |"
    }
    var lines = [
      "# Comparison of \(runs.count) runs", "",
      "Each run was verified first (`labrun verify`); cells cite the run's artifacts by run id and name with their "
        + "SHA-256 (Sources, below). \"not measured\": the run's lab does not measure the property.", "",
      row("", runs.map { "`\($0.runID)`" }), "|---|" + String(repeating: "---|", count: runs.count),
      row("lab", runs.map(\.lab)), row("mechanism", runs.map(\.mechanism)), row("GPU", runs.map(\.gpu)),
      row("driver", runs.map(\.driver)), row("date", runs.map(\.date)), row("status", runs.map(\.status)),
    ]
    for property in ComparedProperty.allCases {
      lines.append(
        row(property.rawValue, runs.map { run in run.cell(property).text + refs(run.cell(property)) }))
    }
    lines += ["", "## Sources", ""]
    for (index, citation) in references.enumerated() {
      lines.append("\(index + 1). `\(citation.runID)` \(citation.artifact) sha256:\(citation.sha256)")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The same page as JSON (keys sorted, slashes unescaped).
  public func json() throws -> String {
    struct Column: Encodable {
      var runID, lab, mechanism, gpu, driver, date, status: String
      enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case lab, mechanism, gpu, driver, date, status
      }
    }
    struct Row: Encodable {
      var property: String
      var cells: [ComparedCell]
    }
    struct Page: Encodable {
      var runs: [Column]
      var properties: [Row]
    }
    let page = Page(
      runs: runs.map {
        Column(
          runID: $0.runID, lab: $0.lab, mechanism: $0.mechanism, gpu: $0.gpu, driver: $0.driver,
          date: $0.date,
          status: $0.status)
      },
      properties: ComparedProperty.allCases.map { property in
        Row(property: property.rawValue, cells: runs.map { $0.cell(property) })
      })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(page), as: UTF8.self) + "\n"
  }
}
