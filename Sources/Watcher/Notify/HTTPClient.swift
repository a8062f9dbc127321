import CCurl
import Foundation

/// One HTTP response: status, headers (names lower-cased) and body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
}

/// A minimal HTTPS client over libcurl's easy interface (`curl_easy_perform`), enough for Slack's Web API:
/// POST with headers and a body, a total timeout, no redirects to other hosts, no signals.
public struct HTTPClient: Sendable {
    /// Seconds for the whole request (connect, send, receive).
    public var timeout: Int
    /// Seconds to connect.
    public var connectTimeout: Int

    public init(timeout: Int = 30, connectTimeout: Int = 10) { self.timeout = timeout; self.connectTimeout = connectTimeout }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// POST `body` to `url` with `headers` ("Name: value" lines).
    /// - Throws: `HTTPError` naming the URL's host (never the headers, which may carry a token).
    public func post(_ url: String, headers: [String], body: Data) throws -> HTTPResponse {
        _ = HTTPClient.globalInit
        guard let h = curl_easy_init() else { throw HTTPError(url: url, problem: "libcurl could not start") }
        defer { curl_easy_cleanup(h) }
        let sink = ResponseSink()
        let box = Unmanaged.passRetained(sink)
        defer { box.release() }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for line in headers { list = curl_slist_append(list, line) }
        defer { curl_slist_free_all(list) }

        _ = ccurl_setopt_string(h, CURLOPT_URL, url)
        _ = ccurl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_setopt_long(h, CURLOPT_TIMEOUT, timeout)
        _ = ccurl_setopt_long(h, CURLOPT_CONNECTTIMEOUT, connectTimeout)
        _ = ccurl_setopt_long(h, CURLOPT_FOLLOWLOCATION, 0)
        _ = ccurl_setopt_long(h, CURLOPT_POST, 1)
        _ = ccurl_setopt_slist(h, CURLOPT_HTTPHEADER, list)
        _ = ccurl_setopt_offset(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
        _ = ccurl_setopt_string(h, CURLOPT_USERAGENT, "emwatch/\(WatcherInfo.version)")
        _ = ccurl_setopt_write_function(h, CURLOPT_WRITEFUNCTION) { ptr, size, n, ud in
            guard let ud, let ptr else { return 0 }
            let sink = Unmanaged<ResponseSink>.fromOpaque(ud).takeUnretainedValue()
            sink.body.append(UnsafeRawPointer(ptr).assumingMemoryBound(to: UInt8.self), count: size * n)
            return size * n
        }
        _ = ccurl_setopt_pointer(h, CURLOPT_WRITEDATA, box.toOpaque())
        _ = ccurl_setopt_write_function(h, CURLOPT_HEADERFUNCTION) { ptr, size, n, ud in
            guard let ud, let ptr else { return 0 }
            let sink = Unmanaged<ResponseSink>.fromOpaque(ud).takeUnretainedValue()
            let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: size * n), as: UTF8.self)
            if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                sink.headers[name] = value
            }
            return size * n
        }
        _ = ccurl_setopt_pointer(h, CURLOPT_HEADERDATA, box.toOpaque())

        let code: CURLcode = body.withUnsafeBytes { raw in
            // COPYPOSTFIELDS copies the bytes (the size was set above, so NUL bytes are kept).
            _ = ccurl_setopt_pointer(h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            return curl_easy_perform(h)
        }
        guard code == CURLE_OK else {
            let why = String(cString: curl_easy_strerror(code))
            throw HTTPError(url: url, problem: code == CURLE_OPERATION_TIMEDOUT ? "no answer within \(timeout) s" : why)
        }
        var status = 0
        _ = ccurl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }
}

/// Where libcurl's callbacks put the response.
private final class ResponseSink {
    var body = Data()
    var headers: [String: String] = [:]
}

/// A request that got no HTTP answer (no network, refused, timed out).
public struct HTTPError: Error, CustomStringConvertible {
    /// The URL without query (no secrets are ever in our URLs, but keep messages short).
    public var url: String
    public var problem: String
    public var description: String {
        let short = url.split(separator: "?").first.map(String.init) ?? url
        return "\(short): \(problem)"
    }
}
