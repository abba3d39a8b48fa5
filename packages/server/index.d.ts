export * from 'tinysync/server';
