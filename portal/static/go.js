// Submits the NAS login form by itself; without JavaScript the button does it.
'use strict'
var f = document.getElementById('nas-login')
if (f) f.submit()
