using System.IO.Abstractions;
using System.Text;

namespace ImageBuilder.Dockerfile.Sources;

/// <summary>
/// Reads a Dockerfile's text: the file the user named (<c>-f FILE</c>), the context's own
/// <c>Dockerfile</c> (a link must stay inside the context, see <see cref="ContainedPath"/>), or
/// standard input (<c>-f -</c>). Dockerfiles are UTF-8, as BuildKit reads them (no guessing of
/// UTF-16 from a byte order mark; a UTF-8 one is dropped). No input is read past
/// <see cref="MaxBytes"/>: <c>-f /dev/zero</c> ends with an error, not with the memory.
/// </summary>
public static class DockerfileSource
{
    /// <summary>The largest Dockerfile ibuild reads: 16 MiB, far above any real one (the largest of the real-world corpus is a few KiB).</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>The name of the Dockerfile in a context when none is given.</summary>
    public const string DefaultName = "Dockerfile";

    private const string Hint = "pass the Dockerfile with -f FILE, or the directory that holds it as CONTEXT";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// The Dockerfile of a build: <paramref name="file"/> as the user gave it (<c>-</c> for <paramref name="stdin"/>),
    /// or, when null, <c>Dockerfile</c> in <paramref name="contextDir"/>.
    /// </summary>
    /// <exception cref="DockerfileException"><see cref="ErrorCode.FileAccess"/> or <see cref="ErrorCode.FileTooLarge"/>, without a location.</exception>
    public static Task<string> ReadAsync(IFileSystem fs, string? file, string contextDir, TextReader stdin, CancellationToken cancellationToken) =>
        file == "-" ? ReadAsync(stdin, cancellationToken)
        : Task.FromResult(file is null ? ReadFromContext(fs, contextDir) : ReadFile(fs, file));

    /// <summary>The file the user named: read wherever it is, links followed.</summary>
    /// <exception cref="DockerfileException"><see cref="ErrorCode.FileAccess"/> or <see cref="ErrorCode.FileTooLarge"/>, without a location.</exception>
    public static string ReadFile(IFileSystem fs, string path)
    {
        ArgumentNullException.ThrowIfNull(fs);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Read(fs, path, DefaultName);
    }

    /// <summary><c>CONTEXT/Dockerfile</c>: a symbolic link is followed only while it stays inside the context.</summary>
    /// <exception cref="DockerfileException"><see cref="ErrorCode.FileAccess"/> (also for a link out of the context) or <see cref="ErrorCode.FileTooLarge"/>.</exception>
    public static string ReadFromContext(IFileSystem fs, string contextDir)
    {
        ArgumentNullException.ThrowIfNull(fs);
        ArgumentException.ThrowIfNullOrEmpty(contextDir);
        var path = fs.Path.Combine(contextDir, DefaultName);
        return Read(fs, ContainedPath.Resolve(fs, path, DefaultName, contextDir), DefaultName);
    }

    /// <summary>Standard input (<c>-f -</c>), up to <see cref="MaxBytes"/> of UTF-8.</summary>
    /// <exception cref="DockerfileException"><see cref="ErrorCode.FileTooLarge"/>.</exception>
    public static async Task<string> ReadAsync(TextReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var text = new StringBuilder();
        var buffer = new char[64 * 1024];
        long bytes = 0;
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0)
        {
            bytes += Utf8.GetByteCount(buffer.AsSpan(0, read));
            if (bytes > MaxBytes)
            {
                throw TooLarge(DefaultName, "standard input");
            }

            text.Append(buffer, 0, read);
        }

        return WithoutByteOrderMark(text.ToString());
    }

    /// <summary>A text input file of the build (the Dockerfile, an ignore file), capped at <see cref="MaxBytes"/>, without a UTF-8 byte order mark.</summary>
    public static string Read(IFileSystem fs, string path, string what)
    {
        if (fs.Directory.Exists(path))
        {
            throw Error(ErrorCode.FileAccess, $"cannot read the {what}: {path} is a directory", what, path,
                what == DefaultName ? "name the file itself (-f DIR/Dockerfile), or give the directory as CONTEXT" : $"remove the directory {path}");
        }

        try
        {
            using var stream = fs.File.OpenRead(path);
            return WithoutByteOrderMark(Utf8.GetString(ReadCapped(stream, path, what)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(ErrorCode.FileAccess, $"cannot read the {what}: {e.Message}", what, path, what == DefaultName ? Hint : null);
        }
    }

    /// <summary>The stream's bytes; never holds more than <see cref="MaxBytes"/> + 1 of them (a device such as /dev/zero has no length to check first).</summary>
    private static ReadOnlySpan<byte> ReadCapped(Stream stream, string path, string what)
    {
        var known = stream.CanSeek ? stream.Length : 0;
        if (known > MaxBytes)
        {
            throw TooLarge(what, path);
        }

        var buffer = new byte[Math.Max(known + 1, 4096)];
        var length = 0;
        int read;
        while ((read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
            if (length > MaxBytes)
            {
                throw TooLarge(what, path);
            }

            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, MaxBytes + 1L));
            }
        }

        return buffer.AsSpan(0, length);
    }

    private static DockerfileException TooLarge(string what, string source) =>
        Error(ErrorCode.FileTooLarge, $"the {what} ({source}) is larger than {MaxBytes / (1024 * 1024)} MiB, the most ibuild reads", what, source,
            what == DefaultName ? "no real Dockerfile is this large; check the -f argument" : $"no real {what} is this large; check {source}");

    /// <summary>An error about an input file: one about the Dockerfile belongs to it (the CLI names it as the user did); any other names its file.</summary>
    internal static DockerfileException Error(ErrorCode code, string message, string what, string path, string? hint) =>
        new([new Diagnostic(code, message, null, hint, what == DefaultName ? null : path)]);

    private static string WithoutByteOrderMark(string text) => text.StartsWith('\uFEFF') ? text[1..] : text;
}
