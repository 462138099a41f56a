"""The incidents screen: log with guidance beside the form, follow up in the chronology, close."""
