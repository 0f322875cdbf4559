using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text;

namespace ImageBuilder.IntegrationTests.Git;

/// <summary>
/// Smart HTTP: an HttpListener on 127.0.0.1 that hands every request to the real
/// <c>git http-backend</c> as CGI. It counts fetches (requests whose body asks for objects, not
/// only for refs), and with <see cref="RequiredToken"/> set answers 401 unless the request carries
/// it as BuildKit sends a GIT_AUTH_TOKEN (<c>Authorization: basic base64(x-access-token:TOKEN)</c>).
/// </summary>
internal sealed class GitHttpServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly GitRepositories repositories;
    private int fetches;
    private int refused;

    public GitHttpServer(GitRepositories repositories)
    {
        this.repositories = repositories;
        Port = GitRepositories.FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string? RequiredToken { get; set; }

    /// <summary>Requests that asked for objects (a fetch), not just the refs (ls-remote).</summary>
    public int Fetches => Volatile.Read(ref fetches);

    /// <summary>Requests answered 401.</summary>
    public int Refused => Volatile.Read(ref refused);

    /// <summary>http://127.0.0.1:PORT/NAME.git</summary>
    public string Url(string name) => $"http://127.0.0.1:{Port}/{name}.git";

    public void Dispose() => listener.Close();

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            if (RequiredToken is { } token
                && context.Request.Headers["Authorization"] != "basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + token)))
            {
                Interlocked.Increment(ref refused);
                context.Response.StatusCode = 401;
                context.Response.Headers["WWW-Authenticate"] = "Basic realm=\"git\"";
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (AsksForObjects(body.ToArray(), context.Request.Headers["Content-Encoding"]))
            {
                Interlocked.Increment(ref fetches);
            }

            await RunBackendAsync(context, body.ToArray());
        }
        finally
        {
            context.Response.Close();
        }
    }

    private static bool AsksForObjects(byte[] body, string? encoding)
    {
        if (body.Length == 0)
        {
            return false;
        }

        var text = encoding == "gzip"
            ? new StreamReader(new GZipStream(new MemoryStream(body), CompressionMode.Decompress), Encoding.Latin1).ReadToEnd()
            : Encoding.Latin1.GetString(body);
        return text.Contains("command=fetch", StringComparison.Ordinal) || text.Contains("want ", StringComparison.Ordinal);
    }

    private async Task RunBackendAsync(HttpListenerContext context, byte[] body)
    {
        var request = context.Request;
        var info = new ProcessStartInfo("git", "http-backend")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["GIT_PROJECT_ROOT"] = repositories.Root;
        info.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        info.Environment["REQUEST_METHOD"] = request.HttpMethod;
        info.Environment["PATH_INFO"] = Uri.UnescapeDataString(request.Url!.AbsolutePath);
        info.Environment["QUERY_STRING"] = request.Url.Query.TrimStart('?');
        info.Environment["CONTENT_TYPE"] = request.ContentType ?? "";
        info.Environment["CONTENT_LENGTH"] = body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["REMOTE_ADDR"] = "127.0.0.1";
        if (request.Headers["Content-Encoding"] is { } encoding)
        {
            info.Environment["HTTP_CONTENT_ENCODING"] = encoding;
        }

        if (request.Headers["Git-Protocol"] is { } protocol)
        {
            info.Environment["GIT_PROTOCOL"] = protocol;
        }

        using var backend = Process.Start(info)!;
        var error = backend.StandardError.ReadToEndAsync();
        await backend.StandardInput.BaseStream.WriteAsync(body);
        backend.StandardInput.Close();
        using var output = new MemoryStream();
        await backend.StandardOutput.BaseStream.CopyToAsync(output);
        await backend.WaitForExitAsync();
        await error;
        WriteCgiResponse(context.Response, output.ToArray());
    }

    /// <summary>A CGI answer: header lines (Status: among them), a blank line, the body.</summary>
    private static void WriteCgiResponse(HttpListenerResponse response, byte[] cgi)
    {
        var text = Encoding.Latin1.GetString(cgi);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var separator = 4;
        if (end < 0)
        {
            end = text.IndexOf("\n\n", StringComparison.Ordinal);
            separator = 2;
        }

        foreach (var line in text[..Math.Max(end, 0)].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (name, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                response.Headers[name] = value;
            }
        }

        response.OutputStream.Write(cgi, end + separator, cgi.Length - end - separator);
    }
}
