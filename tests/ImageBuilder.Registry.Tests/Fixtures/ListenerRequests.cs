using System.Net;

namespace ImageBuilder.Registry.Tests.Fixtures;

/// <summary>The request loop every test server shares: each request in turn until the listener stops, its response always closed.</summary>
internal static class ListenerRequests
{
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
