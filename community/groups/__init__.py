"""Groups: named sets of members (Customers, Partners) that closed spaces open to."""
