import Foundation

/// The formats a page is printed in (`labrun report --format`): markdown for people, JSON for
/// machines, JUnit XML for CI; all carry the same verdicts.
public enum PageFormat: String, Sendable, Hashable, CaseIterable {
  case markdown, json, junit
}

extension ValidationPageRenderer {
  /// One run's page in `format`.
  public static func rendered(_ report: ValidationReport, as format: PageFormat) throws -> Data {
    switch format {
    case .markdown: return Data(markdown(report).utf8)
    case .json: return try json(report)
    case .junit: return Data(junit(report).utf8)
    }
  }
}

extension FleetPage {
  /// The fleet's page in `format`.
  public func rendered(as format: PageFormat) throws -> Data {
    switch format {
    case .markdown: return Data(markdown().utf8)
    case .json: return Data(try json().utf8)
    case .junit: return Data(junit().utf8)
    }
  }
}
