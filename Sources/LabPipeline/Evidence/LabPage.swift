import Foundation

/// A lab's words on the page.
public struct LabPage: Sendable, Hashable {
  public var title: String
  /// The lab's directory as cited on the status line (`<lab name>/`).
  public var labPath: String
  /// What a validated run adds, appended to a VALIDATED status line.
  public var validatedBlurb: String
  public var provesHeading: String
  /// One bullet per claim whose exercises all passed.
  public var proves: [String]
  /// Scope-limit paragraphs, shown whatever the outcome.
  public var scopeLimits: [String]
  /// Sections of the lab's own (e.g. measurements), shown after the checklist; none by default.
  public var sections: [Section] = []

  /// A `## heading` and its markdown lines.
  public struct Section: Sendable, Hashable {
    public var heading: String
    public var lines: [String]

    public init(heading: String, lines: [String]) {
      self.heading = heading
      self.lines = lines
    }
  }

  public init(
    title: String, labPath: String, validatedBlurb: String, provesHeading: String, proves: [String],
    scopeLimits: [String]
  ) {
    self.title = title
    self.labPath = labPath
    self.validatedBlurb = validatedBlurb
    self.provesHeading = provesHeading
    self.proves = proves
    self.scopeLimits = scopeLimits
  }
}
