namespace Orleans.Monitor.Grains.Runtime;

/// <summary>Hands out references to grains; a reference is cheap and activates nothing until it is called.</summary>
public interface IGrainFactory
{
    /// <summary>Returns a reference to the grain of interface <typeparamref name="TGrainInterface"/> with the given key.</summary>
    /// <exception cref="ArgumentException">The interface is not registered, or one of its methods does not return a task.</exception>
    TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey;
}
