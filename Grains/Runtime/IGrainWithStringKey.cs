namespace Orleans.Monitor.Grains.Runtime;

/// <summary>Marks a grain interface whose identity is a string key, as Orleans' interface of the same name.</summary>
public interface IGrainWithStringKey;
