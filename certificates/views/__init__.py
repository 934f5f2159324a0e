"""The console's pages, by what they are for: the list (lists), a certificate's page and its
domains' verification (details), the owner's steps (steps), buying and applying (applying),
and the CA's public face (public). certificates/urls/ routes to them."""
