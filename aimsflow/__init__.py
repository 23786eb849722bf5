"""aimsflow: runs an ISO/IEC 42001 certification journey."""
