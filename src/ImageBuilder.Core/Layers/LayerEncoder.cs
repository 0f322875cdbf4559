using System.Threading.Channels;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Turns the chunks of the uncompressed tar into the blob written to the output, on its own
/// task, so that reading files and compressing overlap. Chunks pass through a bounded queue:
/// when the encoder falls behind, the producer waits, and memory stays a few chunks whatever
/// the layer's size.
/// </summary>
internal abstract class LayerEncoder : IAsyncDisposable
{
    /// <param name="output">The blob's destination.</param>
    /// <param name="hashOutput">False when the output is the tar itself, whose digest the packer has already (the diff id).</param>
    protected LayerEncoder(Stream output, bool hashOutput)
    {
        Output = new DigestingWriteStream(output, hashOutput);
    }

    /// <summary>The blob's destination; counts and hashes what passes.</summary>
    protected DigestingWriteStream Output { get; }

    /// <summary>The blob's digest; not known to an encoder that does not hash (an uncompressed layer's is its diff id).</summary>
    public Digest Digest => Output.Digest;

    public long Size => Output.BytesWritten;

    /// <summary>Time spent hashing the blob for its digest (on the encoder's task).</summary>
    public TimeSpan HashTime => Output.HashTime;

    public static LayerEncoder Create(LayerPackOptions options, Stream output) => options.Compression switch
    {
        LayerCompression.None => new StreamLayerEncoder(output, destination => destination, hashOutput: false),
        LayerCompression.Zstd => new StreamLayerEncoder(output, ZstdLayerCompression.Open, hashOutput: true),
        LayerCompression.Gzip => new ParallelGzipEncoder(output, options.GzipLevel ?? ParallelGzipEncoder.DefaultLevel),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Compression, "unknown layer compression"),
    };

    /// <summary>Takes the next chunk (and its buffer) in stream order.</summary>
    public abstract ValueTask WriteAsync(TarChunk chunk, CancellationToken cancellationToken);

    /// <summary>Waits until every chunk, the final one included, is written to the output.</summary>
    public abstract Task CompleteAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}

/// <summary>
/// The queue and the consuming task shared by the encoders. <typeparamref name="TItem"/> is what
/// the producer side turns a chunk into (for parallel gzip, the task deflating it).
/// </summary>
internal abstract class QueuedLayerEncoder<TItem> : LayerEncoder
{
    private readonly Channel<TItem> queue;
    private readonly CancellationTokenSource stop = new();
    private Task? consumer;

    protected QueuedLayerEncoder(Stream output, int capacity, bool hashOutput = true)
        : base(output, hashOutput)
    {
        queue = Channel.CreateBounded<TItem>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public sealed override async ValueTask WriteAsync(TarChunk chunk, CancellationToken cancellationToken)
    {
        var consumer = StartConsumer();
        try
        {
            await queue.Writer.WriteAsync(Prepare(chunk), cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // The consumer failed and closed the queue: its exception is the one to report.
            await consumer;
            throw;
        }
    }

    public sealed override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        var consumer = StartConsumer();
        queue.Writer.TryComplete();
        await consumer.WaitAsync(cancellationToken);
    }

    public sealed override async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await stop.CancelAsync();
        if (consumer is not null)
        {
            try
            {
                await consumer;
            }
            catch (Exception)
            {
                // Already reported through WriteAsync or CompleteAsync, or the pack was abandoned.
            }
        }

        stop.Dispose();
        await Output.DisposeAsync();
    }

    /// <summary>Producer side, in stream order: wraps a chunk for the queue.</summary>
    protected abstract TItem Prepare(TarChunk chunk);

    /// <summary>Consumer side: writes every queued item to <see cref="LayerEncoder.Output"/>, in order.</summary>
    protected abstract Task ConsumeAsync(ChannelReader<TItem> items, CancellationToken cancellationToken);

    private Task StartConsumer() => consumer ??= Task.Run(async () =>
    {
        try
        {
            await ConsumeAsync(queue.Reader, stop.Token);
        }
        catch (Exception error)
        {
            queue.Writer.TryComplete(error);
            throw;
        }
    });
}
