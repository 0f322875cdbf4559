namespace ImageBuilder.Linux.Network;

/// <summary>
/// One <see cref="PrivateNetwork"/> for many sandboxes (a build's steps), started when the first
/// one asks for it — a build whose steps are all cached, or that has no RUN on the default network,
/// starts nothing — and stopped by <see cref="DisposeAsync"/>, whose caller owns the build. A start
/// that failed is not tried again: every later step gets the same error.
/// </summary>
public sealed class SharedNetwork : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private PrivateNetwork? network;
    private NetworkUnavailableException? failure;
    private bool disposed;

    /// <summary>The running network, started on the first call.</summary>
    /// <exception cref="NetworkUnavailableException">It could not be started (now or on an earlier call).</exception>
    public async Task<PrivateNetwork> GetAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (failure is not null)
            {
                throw failure;
            }

            try
            {
                return network ??= await PrivateNetwork.StartAsync(cancellationToken);
            }
            catch (NetworkUnavailableException e)
            {
                failure = e;
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops the network if it was started; waits for a start in progress first.</summary>
    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync();
        try
        {
            disposed = true;
            if (network is not null)
            {
                await network.DisposeAsync();
                network = null;
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
