public import Foundation

/// Reads a file or a pipe line by line on its own thread, so a slow producer
/// never blocks the cooperative pool.
public enum JSONLines {
    public struct Line: Sendable {
        public var number: Int
        public var text: Data

        public init(number: Int, text: Data) {
            self.number = number
            self.text = text
        }
    }

    /// Lines of `handle`, numbered from 1; blank lines are skipped.
    public static func lines(of handle: FileHandle) -> AsyncStream<Line> {
        let (stream, continuation) = AsyncStream.makeStream(of: Line.self, bufferingPolicy: .unbounded)
        let thread = Thread {
            let fd = handle.fileDescriptor  // the closure keeps the handle, and so the fd, open
            var pending = Data()
            var number = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            func emit(_ line: Data) {
                number += 1
                var text = line
                if text.last == UInt8(ascii: "\r") { text.removeLast() }
                if text.contains(where: { !($0 == 32 || $0 == 9) }) {
                    continuation.yield(Line(number: number, text: text))
                }
            }
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                pending.append(contentsOf: buffer[0..<n])
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    emit(pending[pending.startIndex..<newline])
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { emit(pending) }
            continuation.finish()
        }
        thread.start()
        return stream
    }

    /// The non-blank lines of `data`, numbered as an editor numbers them (blank lines count,
    /// a trailing `\r` is dropped): the one reader of in-memory JSONL, so errors name the line
    /// a person sees.
    public static func lines(in data: Data) -> [Line] {
        var result: [Line] = []
        var number = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var text = Data(raw)
            if text.last == UInt8(ascii: "\r") { text.removeLast() }
            if text.contains(where: { !($0 == 32 || $0 == 9) }) { result.append(Line(number: number, text: text)) }
        }
        return result
    }

    /// Every non-blank line of `data` as a JSON object; the first bad line throws with its number.
    public static func objects(in data: Data) throws -> [(number: Int, object: [String: JSONValue])] {
        try lines(in: data).map { ($0.number, try object($0)) }
    }

    /// Parses one line into a JSON object, with a line-numbered error.
    public static func object(_ line: Line) throws -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONValue.parse(line.text)
        } catch {
            throw RecordError(line: line.number, "invalid JSON")
        }
        guard let object = value.objectValue else { throw RecordError(line: line.number, "expected a JSON object") }
        return object
    }
}
