import Foundation

/// `labrun report --format junit`: the verdicts as JUnit XML, the test-report format GitLab,
/// Jenkins, GitHub Actions reporters and Azure Pipelines read.
///
/// One `<testcase>` per exercise: PASS is a plain testcase, FAIL carries a `<failure>` with
/// the reason (the evidence contradicts the claim), INCONCLUSIVE an `<error>` (the exercise
/// could not be decided). Each testcase's `<system-out>` lists the artifacts it cites with
/// their SHA-256 and the excerpt that decided it; the suite's properties carry the overall
/// status and its reasons. Pure: a function of the report, with the run's start as timestamp.
public enum JUnitReport {
  public static func xml(_ report: ValidationReport, startedAt: String?) -> String {
    let counts = counts(report.exercises)
    var out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
    out.append("<testsuites name=\"labrun \(escape(report.lab))\" \(counts)>")
    out += suite(report, name: report.lab, startedAt: startedAt)
    out.append("</testsuites>")
    return out.joined(separator: "\n") + "\n"
  }

  /// One `<testsuite>` named `name` (the lab, or a fleet's host): its properties and one
  /// testcase per exercise, as lines indented for a `<testsuites>` document.
  static func suite(_ report: ValidationReport, name: String, startedAt: String?) -> [String] {
    let counts = counts(report.exercises)
    var out: [String] = []
    var suite = "  <testsuite name=\"\(escape(name))\" \(counts) skipped=\"0\" time=\"0\""
    if let startedAt { suite += " timestamp=\"\(escape(startedAt))\"" }
    out.append(suite + ">")
    out.append("    <properties>")
    var properties: [(String, String)] = [("status", report.status.rawValue)]
    if let runID = report.runID { properties.append(("run_id", runID)) }
    if let kind = report.targetKind { properties.append(("target_kind", kind)) }
    if let date = report.date { properties.append(("date", date)) }
    properties += report.statusReasons.map { ("status_reason", $0) }
    for (name, value) in properties {
      out.append("      <property name=\"\(escape(name))\" value=\"\(escape(value))\"/>")
    }
    out.append("    </properties>")
    for exercise in report.exercises {
      let name = "\(exercise.id) \(exercise.title)"
      out.append(
        "    <testcase name=\"\(escape(name))\" classname=\"\(escape(report.lab)).exercise-\(escape(exercise.id))\" time=\"0\">"
      )
      let detail = escape(exercise.excerpt.joined(separator: "\n"))
      switch exercise.verdict {
      case .pass:
        break
      case .fail:
        out.append("      <failure message=\"\(escape(exercise.reason))\" type=\"FAIL\">\(detail)</failure>")
      case .inconclusive:
        out.append(
          "      <error message=\"\(escape(exercise.reason))\" type=\"INCONCLUSIVE\">\(detail)</error>")
      }
      let cited = exercise.evidence.map { "\($0.file) sha256:\($0.sha256)" }
      let text = ["\(exercise.verdict.rawValue): \(exercise.reason)"] + cited
      out.append("      <system-out>\(escape(text.joined(separator: "\n")))</system-out>")
      out.append("    </testcase>")
    }
    out.append("  </testsuite>")
    return out
  }

  /// `tests="…" failures="…" errors="…"` for `exercises` (FAIL fails, INCONCLUSIVE errs).
  static func counts(_ exercises: [ExerciseResult]) -> String {
    let failures = exercises.filter { $0.verdict == .fail }.count
    let errors = exercises.filter { $0.verdict == .inconclusive }.count
    return "tests=\"\(exercises.count)\" failures=\"\(failures)\" errors=\"\(errors)\""
  }

  /// XML-escapes `text` for an attribute or element, dropping characters XML 1.0 cannot hold
  /// (control characters from a capture, e.g. an escape byte).
  static func escape(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      case "\n": out += "&#10;"
      case "\t": out += "&#9;"
      default:
        if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value)
          || (0xD800...0xDFFF).contains(scalar.value)
        {
          continue
        }
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
