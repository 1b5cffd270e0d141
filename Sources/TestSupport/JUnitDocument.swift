import Foundation

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// A JUnit XML report as CI systems read it, parsed with Foundation's XMLParser (libxml2).
public final class JUnitDocument: NSObject, XMLParserDelegate {
  /// A `<failure>` or `<error>`: its message attribute and the testcase it belongs to.
  public struct Problem: Sendable {
    public var testcase: String
    public var message: String
  }

  public private(set) var testcases: [String] = []
  public private(set) var failures: [Problem] = []
  public private(set) var errors: [Problem] = []
  /// The `<testsuite>` element's attributes.
  public private(set) var suiteAttributes: [String: String] = [:]

  /// nil when `xml` is not well-formed XML.
  public init?(xml: String) {
    super.init()
    let parser = XMLParser(data: Data(xml.utf8))
    parser.delegate = self
    guard parser.parse() else { return nil }
  }

  public func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String] = [:]
  ) {
    switch name {
    case "testsuite": suiteAttributes = attributes
    case "testcase": testcases.append(attributes["name"] ?? "")
    case "failure":
      failures.append(Problem(testcase: testcases.last ?? "", message: attributes["message"] ?? ""))
    case "error": errors.append(Problem(testcase: testcases.last ?? "", message: attributes["message"] ?? ""))
    default: break
    }
  }
}
