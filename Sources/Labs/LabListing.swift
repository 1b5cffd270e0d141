import Foundation
import LabPipeline

/// One lab `labrun labs` lists: where it was found, its title, and whether `--lab NAME` uses
/// this copy or an earlier one of the same name.
public struct LabListing: Sendable {
  public var located: LocatedLab
  /// lab.yaml's `title`; nil when the file could not be read as a lab.
  public var title: String?
  /// Why this copy cannot run (unreadable lab.yaml, or a lab this labrun has no steps for).
  public var problem: String?
  /// The copy `--lab NAME` uses instead of this one.
  public var shadowedBy: LocatedLab?

  /// Every lab `locator` finds, in lookup order.
  public static func all(_ locator: LabLocator) -> [LabListing] {
    var first: [String: LocatedLab] = [:]
    return locator.all().map { located in
      var listing = LabListing(located: located)
      if let earlier = first[located.name] {
        listing.shadowedBy = earlier
      } else {
        first[located.name] = located
      }
      do {
        let definition = try LabDefinition.load(from: located.source)
        listing.title = definition.title
        if !LabRegistry.names.contains(definition.name) {
          listing.problem = "lab.yaml names '\(definition.name)', a lab this labrun has no steps for"
        }
      } catch {
        listing.problem = String(describing: error)
      }
      return listing
    }
  }

  init(located: LocatedLab) {
    self.located = located
  }

  /// Where the copy is, as the list shows it: `built-in`, or its directory and how it was found.
  public var place: String {
    switch located.source {
    case .builtIn: return "built-in"
    case .file(let url): return "\(url.deletingLastPathComponent().path) (\(located.origin.label))"
    }
  }

  /// `labrun labs`: one line per lab (name, where, title), saying which copy `--lab NAME`
  /// does not use and which cannot run.
  public static func table(_ listings: [LabListing]) -> String {
    let nameWidth = listings.map(\.located.name.count).max() ?? 0
    let placeWidth = listings.map(\.place.count).max() ?? 0
    var text = ""
    for listing in listings {
      text += listing.located.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
      text += "  " + listing.place.padding(toLength: placeWidth, withPad: " ", startingAt: 0)
      text += "  " + (listing.title ?? "?")
      if let shadow = listing.shadowedBy {
        text += "  [not used: --lab \(listing.located.name) finds \(shadow.origin.label) first]"
      }
      if let problem = listing.problem { text += "  [cannot run: \(problem)]" }
      text += "\n"
    }
    return text
  }
}
