using System.Net;

namespace ImageBuilder.Registry.Tests.Fixtures;

/// <summary>
/// What the HttpListener test servers share: a listener started on a free port, and the request
/// loop (each request in turn until the listener closes, its response always closed).
/// </summary>
/// <remarks>
/// Close such a listener with <see cref="HttpListener.Close"/> alone: after <see cref="HttpListener.Stop"/>
/// has released the port, the managed listener's Close binds it once more to unregister the
/// prefix, and throws "Address already in use" when another socket has taken it meanwhile.
/// </remarks>
internal static class ListenerRequests
{
    /// <summary>Linux's EADDRINUSE, which the managed listener passes on from its socket as the error code.</summary>
    private const int AddressInUse = 98;

    /// <summary>
    /// A listener started on 127.0.0.1 and a free port. The port is picked before the listener
    /// binds it, so another socket can take it in between: then another port is tried.
    /// </summary>
    public static (HttpListener Listener, int Port) StartOnFreePort()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = RegistryServer.FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException e) when (e.ErrorCode == AddressInUse && attempt < RegistryServer.PortAttempts)
            {
                listener.Close();
            }
        }
    }

    public static async Task ServeAsync(HttpListener listener, Func<HttpListenerContext, Task> handle)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                await handle(context);
            }
            catch (HttpListenerException)
            {
                // The client went away mid-response.
            }
            finally
            {
                context.Response.Close();
            }
        }
    }
}
