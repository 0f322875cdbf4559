using System.Net;

namespace ImageBuilder.Registry.Tests.Fixtures;

/// <summary>
/// An HttpListener on 127.0.0.1 answering with a handler of the test's: for the failures a real
/// registry will not produce on demand (5xx, redirects to another host, wrong bytes).
/// Records each request's method, path and Authorization header.
/// </summary>
internal sealed class FakeServer : IDisposable
{
    private readonly HttpListener listener;
    private readonly Func<HttpListenerContext, int, Task> handle;
    private readonly List<(string Method, string Path, string? Authorization, string? Range)> seen = [];
    private readonly Task loop;

    public FakeServer(Func<HttpListenerContext, int, Task> handle)
    {
        this.handle = handle;
        (listener, Port) = ListenerRequests.StartOnFreePort();
        loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public IReadOnlyList<(string Method, string Path, string? Authorization, string? Range)> Seen
    {
        get
        {
            lock (seen)
            {
                return [.. seen];
            }
        }
    }

    public static async Task WriteAsync(HttpListenerContext context, int status, byte[] body, string contentType = "application/octet-stream")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength64 = body.Length;
        await context.Response.OutputStream.WriteAsync(body);
    }

    private Task ServeAsync() => ListenerRequests.ServeAsync(listener, context =>
    {
        int index;
        lock (seen)
        {
            seen.Add((context.Request.HttpMethod, context.Request.Url!.PathAndQuery, context.Request.Headers["Authorization"], context.Request.Headers["Range"]));
            index = seen.Count - 1;
        }

        return handle(context, index);
    });

    public void Dispose()
    {
        listener.Close(); // alone, not after Stop (see ListenerRequests)
        loop.Wait();
    }
}
