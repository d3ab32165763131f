namespace Orleans.Monitor.Storage.Membership;

/// <summary>A silo row's status; the numbers are Orleans' <c>SiloStatus</c> values and are stored as such.</summary>
public enum SiloStatus : short
{
    Joining = 2,
    Active = 3,
    ShuttingDown = 4,
    Dead = 6,
}
