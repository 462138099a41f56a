"""The consent register screen: table, filters, detail panel and the consent dialogs."""
