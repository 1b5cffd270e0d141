import Foundation

/// Renders a ``ValidationReport`` as the markdown validation page or as JSON.
///
/// Pure: the output depends only on the report, so the same bundle renders the same bytes.
public enum ValidationPageRenderer {
  // MARK: Markdown

  public static func markdown(_ report: ValidationReport) -> String {
    var out: [String] = []
    out.append("# \(report.page.title)")
    out.append("")
    out.append(statusLine(report))
    out.append("")
    out.append("## Environment")
    out.append("")
    out.append("| Item | Value |")
    out.append("|---|---|")
    for row in report.environment.rows {
      out.append("| \(cell(row.item)) | \(cell(row.value)) |")
    }
    if let note = report.environment.note {
      out.append("")
      out.append(note)
    }
    out.append("")
    out.append("## Validation checklist (\(report.exercises.count) exercises)")
    out.append("")
    out.append("| # | Exercise | Pass criteria | Result | Evidence |")
    out.append("|---|---|---|---|---|")
    for exercise in report.exercises {
      let evidence =
        exercise.evidence.isEmpty
        ? "none" : exercise.evidence.map { "\($0.file) (sha256:\($0.shortDigest))" }.joined(separator: ", ")
      out.append(
        "| \(cell(exercise.id)) | \(cell(exercise.title)) | \(cell(exercise.criteria)) | "
          + "\(cell(resultText(exercise, simulated: report.status == .simulated))) | \(cell(evidence)) |")
    }
    for section in report.page.sections {
      out.append("")
      out.append("## \(section.heading)")
      out.append("")
      out += section.lines
    }
    out.append("")
    out.append("## \(report.page.provesHeading)")
    out.append("")
    if report.status == .simulated {
      out.append("Nothing about real hardware: this run used the simulated GPU host.")
    } else if report.page.proves.isEmpty {
      out.append("Nothing yet: no exercise passed on this evidence.")
    } else {
      for bullet in report.page.proves { out.append("- \(bullet)") }
    }
    out.append("")
    out.append("## Scope limits")
    out.append("")
    out.append(report.page.scopeLimits.joined(separator: "\n\n"))
    if !report.artifacts.isEmpty {
      out.append("")
      out.append("## Evidence files")
      out.append("")
      out.append("| File | SHA-256 |")
      out.append("|---|---|")
      for artifact in report.artifacts {
        out.append("| \(cell(artifact.file)) | `\(artifact.sha256)` |")
      }
    }
    out.append("")
    return out.joined(separator: "\n")
  }

  /// The bold status line with the run's date and machine.
  public static func statusLine(_ report: ValidationReport) -> String {
    let date = report.date ?? "date unknown"
    let gpu = report.environment.gpu ?? "an unidentified GPU"
    let machine = report.provider.map { "\(gpu) (\($0))" } ?? gpu
    let head = "**STATUS: \(report.status.symbol) \(report.status.rawValue)**"
    var sentences: [String] = []
    switch (report.status, report.provenance) {
    case (.simulated, _):
      sentences.append(
        "\(head) - produced on the simulated GPU host, \(date); not captured on hardware, so it validates nothing."
      )
    case (_, .imported(let imported)):
      let provider = imported.provider.map { " (\($0))" } ?? ""
      sentences.append(
        "\(head) - imported evidence captured by hand on \(imported.host)\(provider) with \(gpu), \(date); "
          + "provenance not verified at capture time.")
    case (.validated, .recorded):
      sentences.append("\(head) - captured on a real \(machine), \(date).")
    case (_, .recorded):
      sentences.append("\(head) - captured on \(machine), \(date).")
    }
    switch report.integrity {
    case .verified(let count):
      let kind =
        report.status == .simulated
        ? "simulated command output" : "real command output captured during the run"
      sentences.append(
        "Evidence: \(kind) (\(count) artifact files, all matching artifacts/SHA256SUMS; "
          + "cited with their SHA-256 in the table below).")
    case .checksumsMissing:
      sentences.append("Evidence: command output NOT verified - artifacts/SHA256SUMS is missing.")
    case .notRecorded:
      sentences.append(
        "Evidence: imported command output; no run.json and no checksums recorded at capture time.")
    }
    // The first sentence already says a simulated run is not from hardware: not twice.
    let reasons = report.statusReasons.filter {
      report.status != .simulated || $0 != Verifier.simulatedTargetReason
    }
    if report.status == .validated {
      sentences.append(report.page.validatedBlurb)
    } else if !reasons.isEmpty {
      sentences.append("Not validated: " + reasons.joined(separator: "; ") + ".")
    }
    if let runID = report.runID { sentences.append("Run: `\(runID)`.") }
    sentences.append("Lab: `\(report.page.labPath)`.")
    return sentences.joined(separator: " ")
  }

  /// The Result column: symbol and the check's reason. A PASS on simulated evidence is 🧪,
  /// never the green ✅ of hardware.
  public static func resultText(_ exercise: ExerciseResult, simulated: Bool = false) -> String {
    switch exercise.verdict {
    case .pass where simulated: return "🧪 PASS (simulated): \(exercise.reason)"
    case .pass: return "✅ \(exercise.reason)"
    case .fail: return "❌ FAIL: \(exercise.reason)"
    case .inconclusive: return "⚠️ INCONCLUSIVE: \(exercise.reason)"
    }
  }

  /// Escapes a markdown table cell: pipes escaped, line breaks flattened.
  static func cell(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\")
      .replacingOccurrences(of: "|", with: "\\|")
      .replacingOccurrences(of: "\r", with: " ")
      .replacingOccurrences(of: "\n", with: " ")
  }

  // MARK: JUnit

  /// `--format junit`: one testcase per exercise (see ``JUnitReport``).
  public static func junit(_ report: ValidationReport) -> String {
    JUnitReport.xml(report, startedAt: report.startedAt)
  }

  // MARK: JSON

  /// `--format json`: the same verdicts as data, keys sorted, ending in a newline.
  public static func json(_ report: ValidationReport) throws -> Data {
    var data = try JSONEncoder.labrun.encode(JSONReport(report))
    data.append(0x0A)
    return data
  }
}
